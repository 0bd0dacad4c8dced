// DamageTracker (see damage.h). GL (main) thread only.
#include "viewer/window/damage.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <backends/imgui_impl_opengl3.h>

#include "render/gl_check.h"

namespace ganscope {

PixelRect unite(const PixelRect& a, const PixelRect& b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    return {std::min(a.x0, b.x0), std::min(a.y0, b.y0), std::max(a.x1, b.x1), std::max(a.y1, b.y1)};
}

PixelRect intersect(const PixelRect& a, const PixelRect& b) {
    PixelRect r{std::max(a.x0, b.x0), std::max(a.y0, b.y0), std::min(a.x1, b.x1), std::min(a.y1, b.y1)};
    return r.empty() ? PixelRect{} : r;
}

std::vector<PixelRect> merge_rects(std::vector<PixelRect> rects, size_t max_rects) {
    rects.erase(std::remove_if(rects.begin(), rects.end(), [](const PixelRect& r) { return r.empty(); }), rects.end());
    max_rects = std::max<size_t>(1, max_rects);
    // Overlapping rectangles merge: drawing their union once costs less than drawing the overlap twice, and
    // the rectangles handed to render() must not overlap (each is cleared, then drawn).
    for (bool merged = true; merged;) {
        merged = false;
        for (size_t i = 0; i < rects.size() && !merged; ++i)
            for (size_t j = i + 1; j < rects.size() && !merged; ++j)
                if (!intersect(rects[i], rects[j]).empty()) {
                    rects[i] = unite(rects[i], rects[j]);
                    rects.erase(rects.begin() + long(j));
                    merged = true;
                }
    }
    while (rects.size() > max_rects) {
        size_t bi = 0, bj = 1;
        int64_t best = INT64_MAX;
        for (size_t i = 0; i < rects.size(); ++i)
            for (size_t j = i + 1; j < rects.size(); ++j) {
                int64_t waste = unite(rects[i], rects[j]).area() - rects[i].area() - rects[j].area();
                if (waste < best) best = waste, bi = i, bj = j;
            }
        rects[bi] = unite(rects[bi], rects[bj]);
        rects.erase(rects.begin() + long(bj));
        return merge_rects(std::move(rects), max_rects);  // the union may now overlap a third rectangle
    }
    return rects;
}

namespace {

// A command's clip rectangle in framebuffer pixels, rounded to whole pixels and clamped to the framebuffer.
PixelRect command_pixels(const ImDrawCmd& cmd, const ImDrawData& data, const PixelRect& screen) {
    const ImVec2 off = data.DisplayPos, s = data.FramebufferScale;
    PixelRect r{int(std::lround((cmd.ClipRect.x - off.x) * s.x)), int(std::lround((cmd.ClipRect.y - off.y) * s.y)),
                int(std::lround((cmd.ClipRect.z - off.x) * s.x)), int(std::lround((cmd.ClipRect.w - off.y) * s.y))};
    return intersect(r, screen);
}

// The clip rectangle that makes ImGui's OpenGL backend scissor exactly `r`: it truncates
// (int)min.x, (int)(fb_height - max.y), (int)(max.x - min.x), (int)(max.y - min.y), so each edge sits a
// quarter pixel inside the truncation and no rounding error can move it.
ImVec4 clip_for(const PixelRect& r, const ImDrawData& data) {
    const ImVec2 off = data.DisplayPos, s = data.FramebufferScale;
    return ImVec4(off.x + (float(r.x0) + 0.25f) / s.x, off.y + (float(r.y0) - 0.5f) / s.y,
                  off.x + (float(r.x1) + 0.5f) / s.x, off.y + (float(r.y1) - 0.25f) / s.y);
}

bool same_command(const ImDrawCmd& a, const ImDrawCmd& b) {
    return std::memcmp(&a.ClipRect, &b.ClipRect, sizeof a.ClipRect) == 0 && a.TexRef._TexData == b.TexRef._TexData &&
           a.TexRef._TexID == b.TexRef._TexID &&
           a.VtxOffset == b.VtxOffset && a.IdxOffset == b.IdxOffset && a.ElemCount == b.ElemCount &&
           a.UserCallback == b.UserCallback && a.UserCallbackData == b.UserCallbackData;
}

}  // namespace

std::vector<PixelRect> DamageTracker::damage(const ImDrawData& data, const TextureVersion& version, bool everything) {
    const int width = int(data.DisplaySize.x * data.FramebufferScale.x);
    const int height = int(data.DisplaySize.y * data.FramebufferScale.y);
    const PixelRect screen{0, 0, width, height};
    if (width != m_width || height != m_height) everything = true;
    m_width = width;
    m_height = height;

    // Windows reordered, opened or closed: the stacking of whatever overlaps changed; draw it all.
    if (size_t(data.CmdLists.Size) != m_lists.size()) everything = true;
    for (int i = 0; i < data.CmdLists.Size && !everything; ++i)
        if (data.CmdLists[i]->_OwnerName != m_lists[size_t(i)].owner) everything = true;
    if (!everything) m_lists.resize(size_t(data.CmdLists.Size));
    else m_lists.assign(size_t(data.CmdLists.Size), ListState{});

    std::vector<PixelRect> dirty;
    for (int i = 0; i < data.CmdLists.Size; ++i) {
        const ImDrawList& list = *data.CmdLists[i];
        ListState& old = m_lists[size_t(i)];
        bool same = old.owner == list._OwnerName && old.vertices.size() == size_t(list.VtxBuffer.Size) &&
                    old.indices.size() == size_t(list.IdxBuffer.Size) &&
                    old.commands.size() == size_t(list.CmdBuffer.Size);
        same = same && std::memcmp(old.vertices.data(), list.VtxBuffer.Data, old.vertices.size() * sizeof(ImDrawVert)) == 0;
        same = same && std::memcmp(old.indices.data(), list.IdxBuffer.Data, old.indices.size() * sizeof(ImDrawIdx)) == 0;
        std::vector<uint64_t> versions(size_t(list.CmdBuffer.Size));
        PixelRect clip;
        for (int c = 0; c < list.CmdBuffer.Size; ++c) {
            const ImDrawCmd& cmd = list.CmdBuffer[c];
            versions[size_t(c)] = cmd.UserCallback ? 0 : version(cmd.GetTexID());
            if (!cmd.UserCallback) clip = unite(clip, command_pixels(cmd, data, screen));
            same = same && same_command(cmd, old.commands[size_t(c)]) && versions[size_t(c)] == old.versions[size_t(c)];
        }
        if (same) continue;
        // Where the list can draw: its vertices' box (a pixel of margin for the anti-aliased fringe) inside its
        // clip rectangles. The clip rectangles alone won't do: a window's frame is clipped to the whole screen.
        PixelRect bounds;
        if (list.VtxBuffer.Size > 0) {
            float x0 = list.VtxBuffer[0].pos.x, y0 = list.VtxBuffer[0].pos.y, x1 = x0, y1 = y0;
            for (const ImDrawVert& v : list.VtxBuffer) {
                x0 = std::min(x0, v.pos.x), x1 = std::max(x1, v.pos.x);
                y0 = std::min(y0, v.pos.y), y1 = std::max(y1, v.pos.y);
            }
            const ImVec2 off = data.DisplayPos, sc = data.FramebufferScale;
            PixelRect box{int(std::floor((x0 - off.x) * sc.x)) - 1, int(std::floor((y0 - off.y) * sc.y)) - 1,
                          int(std::ceil((x1 - off.x) * sc.x)) + 1, int(std::ceil((y1 - off.y) * sc.y)) + 1};
            bounds = intersect(box, clip);
        }
        if (!everything) {
            dirty.push_back(old.bounds);
            dirty.push_back(bounds);
        }
        old.owner = list._OwnerName;
        old.vertices.assign(list.VtxBuffer.Data, list.VtxBuffer.Data + list.VtxBuffer.Size);
        old.indices.assign(list.IdxBuffer.Data, list.IdxBuffer.Data + list.IdxBuffer.Size);
        old.commands.assign(list.CmdBuffer.Data, list.CmdBuffer.Data + list.CmdBuffer.Size);
        old.versions = std::move(versions);
        old.bounds = bounds;
    }
    if (everything) return screen.empty() ? std::vector<PixelRect>{} : std::vector<PixelRect>{screen};
    dirty = merge_rects(std::move(dirty), 4);
    int64_t area = 0;
    for (const PixelRect& r : dirty) area += r.area();
    // Past about two thirds of the window, several scissored passes cost more than one full one.
    if (area * 3 > screen.area() * 2) return {screen};
    return dirty;
}

void DamageTracker::upload_textures(ImDrawData& data) {
    if (!data.Textures) return;
    for (ImTextureData* tex : *data.Textures)
        if (tex->Status != ImTextureStatus_OK) ImGui_ImplOpenGL3_UpdateTexture(tex);
}

void DamageTracker::render(ImDrawData& data, const std::vector<PixelRect>& rects, const float clear[4]) {
    const int height = int(data.DisplaySize.y * data.FramebufferScale.y);
    std::vector<ImDrawList*> lists;
    std::vector<ImVec4> saved;
    for (const PixelRect& rect : rects) {
        if (rect.empty()) continue;
        GANSCOPE_GL_CHECK(glEnable(GL_SCISSOR_TEST));
        GANSCOPE_GL_CHECK(glScissor(rect.x0, height - rect.y1, rect.x1 - rect.x0, rect.y1 - rect.y0));
        GANSCOPE_GL_CHECK(glClearColor(clear[0], clear[1], clear[2], clear[3]));
        GANSCOPE_GL_CHECK(glClear(GL_COLOR_BUFFER_BIT));
        GANSCOPE_GL_CHECK(glDisable(GL_SCISSOR_TEST));
        // Only the lists that reach into the rectangle, each command scissored to its part of it; the backend
        // draws a command whose clip rectangle is empty not at all.
        lists.clear();
        saved.clear();
        const PixelRect screen{0, 0, int(data.DisplaySize.x * data.FramebufferScale.x), height};
        for (int i = 0; i < data.CmdLists.Size; ++i) {
            ImDrawList* list = data.CmdLists[i];
            bool touches = false;
            for (ImDrawCmd& cmd : list->CmdBuffer) {
                saved.push_back(cmd.ClipRect);
                PixelRect part = intersect(command_pixels(cmd, data, screen), rect);
                touches = touches || !part.empty() || cmd.UserCallback;
                cmd.ClipRect = part.empty() ? ImVec4(0, 0, 0, 0) : clip_for(part, data);
            }
            if (touches) lists.push_back(list);
        }
        ImDrawData part = data;
        part.CmdLists.resize(0);
        for (ImDrawList* list : lists) part.CmdLists.push_back(list);
        if (!lists.empty()) ImGui_ImplOpenGL3_RenderDrawData(&part);
        size_t k = 0;
        for (int i = 0; i < data.CmdLists.Size; ++i)
            for (ImDrawCmd& cmd : data.CmdLists[i]->CmdBuffer) cmd.ClipRect = saved[k++];
    }
}

}  // namespace ganscope
