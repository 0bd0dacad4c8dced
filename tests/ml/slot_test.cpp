// LatestSlot under contention: several publishers and readers, values never torn, generations monotonic.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "ml/slot.h"

using namespace ganscope;

namespace {
// A value whose fields must always agree; a torn or half-published value would break the invariant.
struct Payload {
    int64_t id = 0;
    std::vector<int64_t> data;
};
}  // namespace

TEST_CASE("LatestSlot hammered by publishers and readers stays consistent") {
    LatestSlot<Payload> slot;
    const int publishers = 3, readers = 4, per_publisher = 3000;
    std::atomic<bool> go{false};
    std::atomic<int> done_publishers{0};
    std::atomic<int64_t> bad{0}, reads{0};
    std::vector<std::thread> threads;
    for (int p = 0; p < publishers; ++p) {
        threads.emplace_back([&, p] {
            while (!go.load()) std::this_thread::yield();
            for (int i = 1; i <= per_publisher; ++i) {
                Payload payload;
                payload.id = int64_t(p) * 1000000 + i;
                payload.data.assign(16 + i % 7, payload.id);
                slot.publish(std::move(payload));
            }
            done_publishers.fetch_add(1);
        });
    }
    for (int r = 0; r < readers; ++r) {
        threads.emplace_back([&] {
            while (!go.load()) std::this_thread::yield();
            uint64_t seen = 0, last_generation = 0;
            std::vector<int64_t> last_from(publishers, 0);
            std::shared_ptr<const Payload> value;
            while (done_publishers.load() < publishers) {
                uint64_t g = slot.generation();
                if (g < last_generation) bad.fetch_add(1);
                last_generation = g;
                if (slot.fetch_if_newer(seen, value)) {
                    reads.fetch_add(1);
                    for (int64_t x : value->data)
                        if (x != value->id) bad.fetch_add(1);
                    // Per publisher, what a reader sees only moves forward.
                    int p = int(value->id / 1000000);
                    int64_t i = value->id % 1000000;
                    if (i < last_from[p]) bad.fetch_add(1);
                    last_from[p] = i;
                }
            }
        });
    }
    go = true;
    for (auto& t : threads) t.join();
    CHECK(bad.load() == 0);
    CHECK(reads.load() > 0);
    CHECK(slot.generation() == uint64_t(publishers) * per_publisher);
    auto last = slot.latest();
    REQUIRE(last != nullptr);
    CHECK(last->id % 1000000 == per_publisher);  // the final value is some publisher's last
    uint64_t seen = slot.generation();
    std::shared_ptr<const Payload> none;
    CHECK_FALSE(slot.fetch_if_newer(seen, none));
}
