// An offscreen RGBA8 framebuffer that keeps its pixels between frames, so a frame may redraw only what changed
// (damage rectangles) and present the rest as it was. Both contexts draw into one. GL thread only.
#pragma once


namespace ganscope {

class RetainedFramebuffer {
public:
    RetainedFramebuffer() = default;
    ~RetainedFramebuffer();
    RetainedFramebuffer(const RetainedFramebuffer&) = delete;
    RetainedFramebuffer& operator=(const RetainedFramebuffer&) = delete;

    // (Re)allocates the storage for this size. Returns true when the pixels are undefined (new storage), so the
    // next frame must draw everything. Throws RenderError naming the size when the driver refuses it.
    bool resize(int width, int height);
    void release();  // with the context current; the destructor cannot know that it still is

    unsigned id() const { return m_fbo; }
    int width() const { return m_width; }
    int height() const { return m_height; }
    // Copies the whole framebuffer to `target` (0: the window's back buffer), same size, no scaling.
    void blit_to(unsigned target) const { blit_to(target, 0, 0, m_width, m_height); }
    // Copies one rectangle (GL pixels, bottom-left origin) to the same place in `target`.
    void blit_to(unsigned target, int x, int y, int width, int height) const;

private:
    unsigned m_fbo = 0, m_color = 0;
    int m_width = 0, m_height = 0;
};

}  // namespace ganscope
