// Latest-wins slot with a generation counter: one thread publishes values, any thread reads the newest.
// Readers never wait on the publisher for more than a pointer copy; stale values are simply replaced.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace ganscope {

template <class T>
class LatestSlot {
public:
    void publish(std::shared_ptr<const T> value) {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_value = std::move(value);
        m_generation.fetch_add(1, std::memory_order_release);
    }
    void publish(T value) { publish(std::make_shared<const T>(std::move(value))); }

    std::shared_ptr<const T> latest() const {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_value;
    }
    uint64_t generation() const { return m_generation.load(std::memory_order_acquire); }

    // Returns true and the newest value when it is newer than `seen` (updated); false otherwise.
    bool fetch_if_newer(uint64_t& seen, std::shared_ptr<const T>& out) const {
        if (generation() == seen) return false;
        std::lock_guard<std::mutex> lock(m_mutex);
        seen = m_generation.load(std::memory_order_acquire);
        out = m_value;
        return out != nullptr;
    }

private:
    mutable std::mutex m_mutex;
    std::shared_ptr<const T> m_value;
    std::atomic<uint64_t> m_generation{0};
};

}  // namespace ganscope
