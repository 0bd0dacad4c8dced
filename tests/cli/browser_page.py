#!/usr/bin/env python3
# The served page in a real browser: drives headless Chromium through its DevTools protocol (websocket-client, from
# scripts/setup) against a running `ganscope train --headless --serve`. Used by browser.sh.
#   browser_page.py test URL TOKEN WORKDIR         the checks (exit 1 with FAIL: ... on the first that fails)
#   browser_page.py translate URL TOKEN WORKDIR    a pix2pix run: draw, translate, download; the refusal without token
#   browser_page.py alerts URL TOKEN WORKDIR       a paused run made to fail: its alert on the page, by the stream
#                                                  and by /api/alerts (resumes the run)
#   browser_page.py shots URL TOKEN OUTDIR         screenshots: desktop 1280x800 and a phone, light and dark
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import websocket


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def wait_for(what, condition, seconds=60.0, every=0.2):
    """Polls condition() until it returns something truthy; fails naming `what` at the deadline."""
    deadline = time.time() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.time() > deadline:
            fail("timed out after %.0f s waiting for %s" % (seconds, what))
        time.sleep(every)


def browser_binary():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    fail("no chromium: scripts/setup installs Debian's chromium")


class Browser:
    """One headless Chromium with one page, spoken to over the DevTools protocol."""

    def __init__(self, profile):
        shutil.rmtree(profile, ignore_errors=True)
        os.makedirs(profile)
        self.process = subprocess.Popen(
            [browser_binary(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port_file = os.path.join(profile, "DevToolsActivePort")
        wait_for("Chromium's DevTools port", lambda: os.path.exists(port_file) and open(port_file).read().strip())
        port = open(port_file).read().split()[0]
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port, timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events = []
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Log.enable")

    def close(self):
        try:
            self.ws.close()
        finally:
            # The whole group: the browser's zygotes and renderers too.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    fail("%s: %s" % (method, message["error"]))
                return message.get("result", {})
            self.events.append(message)

    def pump(self, seconds):
        """Reads events for up to `seconds`."""
        self.ws.settimeout(seconds)
        try:
            self.events.append(json.loads(self.ws.recv()))
        except websocket.WebSocketTimeoutException:
            pass
        finally:
            self.ws.settimeout(60)

    def errors(self):
        """What the page threw or the browser logged as an error (a script or a style the policy refused, a 404)."""
        self.pump(0.1)
        out = []
        for e in self.events:
            if e.get("method") == "Runtime.exceptionThrown":
                out.append(e["params"]["exceptionDetails"].get("exception", {}).get("description", "an exception"))
            elif e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error":
                entry = e["params"]["entry"]
                out.append(entry["text"] + (" (" + entry["url"] + ")" if entry.get("url") else ""))
            elif e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error":
                out.append(" ".join(str(a.get("value", a.get("description", ""))) for a in e["params"]["args"]))
        return out

    def take_event(self, method):
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        return None

    def js(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            fail("the page threw on %r: %s" % (expression, result["exceptionDetails"].get("exception", {})
                                                 .get("description", result["exceptionDetails"])))
        return result["result"].get("value")

    def open(self, url):
        self.call("Page.navigate", url=url)
        wait_for("the page to load", lambda: self.js("document.readyState") == "complete", 30)


def status(url):
    return json.load(urllib.request.urlopen(url + "/api/status", timeout=10))


def click(browser, selector):
    browser.js("document.querySelector(%s).click()" % json.dumps(selector))


def newest_answer(browser):
    return browser.js("(document.querySelector('#answers li') || {}).textContent || ''")


def expect_answer(browser, selector, words, what):
    """Clicks, then waits for a new answer line holding every one of `words`."""
    count = "Number((document.querySelector('#answers li') || {dataset: {n: 0}}).dataset.n)"
    before = browser.js(count)
    click(browser, selector)
    text = wait_for(what, lambda: browser.js(count) > before and newest_answer(browser), 20)
    for w in words:
        if w not in text:
            fail("%s: the page says %r, expected %r in it" % (what, text, w))
    return text


GRID_PIXELS = """(() => {
  const img = document.getElementById('grid'), c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  if (!c.width) return '';
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let h = 0; for (let i = 0; i < d.length; ++i) h = (h * 31 + d[i]) >>> 0;
  return c.width + 'x' + c.height + ':' + h;
})()"""


def check_page(url, token, work):
    b = Browser(os.path.join(work, "chrome-test"))
    try:
        b.call("Emulation.setDeviceMetricsOverride", width=1280, height=800, deviceScaleFactor=1, mobile=False)
        # History held back while the stream runs: stream records arrive first, the older history after them,
        # and the charts must still hold every series in step order.
        b.call("Fetch.enable", patterns=[{"urlPattern": "*/api/metrics*", "requestStage": "Request"}])
        b.call("Page.navigate", url=url + "/")
        paused = wait_for("the page's history request", lambda: b.take_event("Fetch.requestPaused") or b.pump(0.5), 30)
        held_at = b.js("window.ganscope ? ganscope.records() : 0") or 0
        streamed = wait_for("2 records on the stream while the history is held",
                            lambda: (lambda n: n if n >= held_at + 2 else None)(b.js("ganscope.records()")), 60)
        b.call("Fetch.continueRequest", requestId=paused["params"]["requestId"])
        b.call("Fetch.disable")
        if streamed <= held_at:
            fail("no metric records came on the event stream while the history was held (%d, then %d)" % (held_at, streamed))
        if b.js("ganscope.stream()") != 1:
            fail("the event stream is not open")
        history = json.load(urllib.request.urlopen(url + "/api/metrics", timeout=10))
        keys = sorted({k for r in history for k, v in r.items() if isinstance(v, (int, float)) and k not in ("step", "epoch", "seconds")})
        wait_for("the charts to hold the history", lambda: b.js("ganscope.records()") >= len(history), 20)

        def charted():
            charts = b.js("ganscope.charts()")
            return charts if sum(len(c["steps"]) for c in charts) > 0 and \
                {l for c in charts for l in c["labels"][1:]} >= set(keys) else None
        charts = wait_for("every metric (%s) on a chart" % ", ".join(keys), charted, 20)
        losses = lambda: next(len(c["steps"]) for c in b.js("ganscope.charts()") if c["id"] == "losses")
        wait_for("the losses chart to hold the %d records of the history" % len(history), lambda: losses() >= len(history), 20)
        charts = b.js("ganscope.charts()")
        for c in charts:
            steps = c["steps"]
            if any(a >= b_ for a, b_ in zip(steps, steps[1:])):
                fail("chart %s is not in step order: %s" % (c["id"], steps[:40]))
        print("browser: %d charts, %d series, %d points in step order (%d records streamed before the history)" %
              (len(charts), sum(len(c["labels"]) - 1 for c in charts), sum(len(c["steps"]) for c in charts),
               streamed - held_at))

        # Refusals from the page: no token, a wrong token; the run goes on.
        expect_answer(b, "button[data-command=pause]", ["pause: refused (401)", "needs the token", "paste the token"],
                      "Pause without the token")
        b.js("document.getElementById('token').value = 'not-the-token-0123456789'; "
             "document.getElementById('token-form').requestSubmit()")
        expect_answer(b, "button[data-command=pause]", ["pause: refused (401)", "not the run's"], "Pause with a wrong token")
        if status(url)["state"] != "running":
            fail("a refused Pause changed the run: " + status(url)["state"])

        # The token in the fragment: taken, and gone from the address bar.
        b.open(url + "/#token=" + token)
        if token in b.js("location.href"):
            fail("the token stays in the address bar: " + b.js("location.href"))
        if b.js("document.getElementById('access').textContent") != "token set: steering":
            fail("the page does not say it steers with the token from the fragment")
        expect_answer(b, "button[data-command=pause]", ["pause: taken"], "Pause with the token")
        wait_for("the server to say paused", lambda: status(url)["state"] == "paused", 20)
        b.js("document.getElementById('batch').value = '5000'")
        expect_answer(b, "#batch-form button", ["batch: refused (400)", "4096"], "batch 5000")
        expect_answer(b, "button[data-command=resume]", ["resume: taken"], "Resume with the token")
        wait_for("the server to say running", lambda: status(url)["state"] == "running", 20)
        print("browser: Pause and Resume from the page changed the server's state; refusals shown")

        # The history slider: the first kept grid, then live again; the image changes and says its step.
        wait_for("3 kept grids", lambda: len(json.load(urllib.request.urlopen(url + "/api/samples", timeout=10))) >= 3, 60)
        wait_for("the slider to list kept grids", lambda: b.js("Number(document.getElementById('history').max)") >= 3, 20)
        wait_for("the live grid", lambda: "(live)" in b.js("document.getElementById('grid-label').textContent"), 20)
        live = wait_for("the live grid's pixels", lambda: b.js(GRID_PIXELS), 20)
        b.js("{ const h = document.getElementById('history'); h.value = 0; h.dispatchEvent(new Event('input')); }")
        first = json.load(urllib.request.urlopen(url + "/api/samples", timeout=10))[0]["step"]
        wait_for("the first kept grid", lambda: b.js("document.getElementById('grid-label').textContent") ==
                 "step %d (kept)" % first, 20)
        old = wait_for("the kept grid's pixels", lambda: (lambda p: p if p and p != live else None)(b.js(GRID_PIXELS)), 20)
        print("browser: history slider: live grid %s, kept grid of step %d %s" % (live, first, old))
        b.js("{ const h = document.getElementById('history'); h.value = h.max; h.dispatchEvent(new Event('input')); }")
        wait_for("the live grid again", lambda: "(live)" in b.js("document.getElementById('grid-label').textContent"), 20)

        # A click on the second cell of the first row shows that cell large: its pixels are the grid's there.
        box = b.js("(() => { const g = document.getElementById('grid'); "
                   "scrollTo(0, g.getBoundingClientRect().top + scrollY - 100); "
                   "const r = g.getBoundingClientRect(); return [r.left, r.top, r.width, g.naturalWidth]; })()")
        size = status(url)["image_size"]
        scale = box[2] / box[3]
        x, y = box[0] + (2 + size + 2 + size / 2) * scale, box[1] + (2 + size / 2) * scale
        b.call("Input.dispatchMouseEvent", type="mousePressed", x=x, y=y, button="left", clickCount=1)
        b.call("Input.dispatchMouseEvent", type="mouseReleased", x=x, y=y, button="left", clickCount=1)
        wait_for("the cell dialog", lambda: b.js("document.getElementById('cell-dialog').open"), 10)
        same = b.js("""(() => {
          const img = document.getElementById('grid'), cell = document.getElementById('cell'), n = cell.width;
          const c = document.createElement('canvas'); c.width = n; c.height = n;
          c.getContext('2d').drawImage(img, 2 + n + 2, 2, n, n, 0, 0, n, n);
          const a = c.getContext('2d').getImageData(0, 0, n, n).data, b = cell.getContext('2d').getImageData(0, 0, n, n).data;
          return n + ':' + a.every((v, i) => v === b[i]) + ':' + document.getElementById('cell-label').textContent;
        })()""")
        if not same.startswith("%d:true:cell 2," % size):
            fail("the cell shown large is not the grid's second cell: " + same)
        b.js("document.getElementById('cell-close').click()")
        print("browser: a click on the grid's second cell shows it large (%s)" % same)

        # The run's facts, its config.json, and a page of its data set read on the server when opened.
        config = json.load(urllib.request.urlopen(url + "/api/config", timeout=10))
        shown = lambda: b.js("document.getElementById('config').textContent")
        wait_for("config.json on the page", lambda: shown().startswith("{") and json.loads(shown()) == config, 20)
        b.js("document.getElementById('dataset-box').open = true")
        wait_for("a page of the data set", lambda: b.js("document.getElementById('dataset-page').naturalWidth") > 0, 60)
        print("browser: the run: config.json as served; %s; %s" % (
            b.js("document.getElementById('dataset-count').textContent"), b.js("document.getElementById('page-label').textContent")))

        # Nothing the page did failed on its own: no exception, no script or style refused by the server's policy.
        # (The refusals above are answers the page reads, and 4xx answers to fetch() are logged as errors: those
        # and only those are allowed, for the two URLs that were refused.)
        refused = ("status of 401 (Unauthorized) (%s/api/control)" % url, "status of 400 (Bad Request) (%s/api/control)" % url)
        unexpected = [e for e in b.errors() if not e.endswith(refused)]
        if unexpected:
            fail("the page logged errors: %s" % unexpected[:5])

        # 15 s of virtual time with the stream open, after the page has loaded: its timers run as fast as they can,
        # so a page that redraws or polls too much takes long here. (Under Chromium's own --virtual-time-budget
        # virtual time waits while any request is pending, so with a stream open it never runs out: browser.sh
        # checks that budget on the polling page, #live=poll.)
        b.open(url + "/")
        wait_for("the stream and the charts", lambda: b.js("ganscope.stream() === 1 && ganscope.charts().length > 0"), 30)
        records = b.js("ganscope.records()")
        start = time.time()
        b.call("Emulation.setVirtualTimePolicy", policy="advance", budget=15000)
        wait_for("15 s of virtual time with the stream open",
                 lambda: b.take_event("Emulation.virtualTimeBudgetExpired") or b.pump(0.5), 90)
        spent = time.time() - start
        b.call("Emulation.setVirtualTimePolicy", policy="advance")
        if b.js("ganscope.stream()") != 1 or b.js("ganscope.records()") < records:
            fail("after 15 s of virtual time the page's stream is not open or its records went")
        print("browser: 15 s of virtual time with the stream open took %.1f s (records %d, then %d)" %
              (spent, records, b.js("ganscope.records()")))
    finally:
        b.close()


def check_translate(url, token, work):
    """A pix2pix run: a stroke drawn with the mouse on the page's canvas is translated by the server's model; the
    result can be downloaded; without the token the server's refusal is shown."""
    b = Browser(os.path.join(work, "chrome-translate"))
    try:
        b.open(url + "/")
        wait_for("the Translate card", lambda: b.js("!document.getElementById('translate-card').hidden"), 30)
        wait_for("a generator snapshot", lambda: "snapshot_step" in status(url), 60)

        def stroke():
            box = b.js("(() => { const c = document.getElementById('canvas'); c.scrollIntoView({block: 'center'}); "
                       "const r = c.getBoundingClientRect(); "
                       "return [r.left, r.top, r.width, r.height]; })()")
            x, y, w, h = box
            b.call("Input.dispatchMouseEvent", type="mousePressed", x=x + w * 0.2, y=y + h * 0.2, button="left", clickCount=1)
            for i in range(1, 11):
                b.call("Input.dispatchMouseEvent", type="mouseMoved", x=x + w * (0.2 + 0.06 * i), y=y + h * (0.2 + 0.05 * i),
                       button="left", buttons=1)
            b.call("Input.dispatchMouseEvent", type="mouseReleased", x=x + w * 0.8, y=y + h * 0.7, button="left", clickCount=1)

        stroke()
        note = wait_for("the refusal without the token", lambda: (lambda t: t if "refused" in t else None)(
            b.js("document.getElementById('translate-note').textContent")), 20)
        if "401" not in note or "token" not in note:
            fail("translate without the token: the page says %r" % note)
        inked = b.js("(() => { const d = document.getElementById('canvas').getContext('2d').getImageData(0, 0, 256, 256).data;"
                     " let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) ++n; return n; })()")
        if inked < 50:
            fail("the mouse stroke left only %d dark pixels on the canvas" % inked)
        b.open(url + "/#token=" + token)
        wait_for("the Translate card", lambda: b.js("!document.getElementById('translate-card').hidden"), 30)
        stroke()
        wait_for("the translation", lambda: b.js("document.getElementById('translated').naturalWidth") > 0, 30)
        size = b.js("document.getElementById('translated').naturalWidth")
        if size != status(url)["image_size"]:
            fail("the translation is %d px wide, the model's size is %d" % (size, status(url)["image_size"]))
        link = b.js("(() => { const a = document.getElementById('download'); return a.hidden ? '' : a.href; })()")
        if not link.startswith("blob:") or b.js("document.getElementById('download').download") != "translation.png":
            fail("no download link for the translation: %r" % link)
        print("browser: translate: a mouse stroke (%d dark pixels) refused without the token, translated with it "
              "(%d px, %s)" % (inked, size, b.js("document.getElementById('translate-note').textContent")))
        if status(url).get("translate_text"):
            check_translate_text(b, url, token, work)
        elif not b.js("document.getElementById('translated-text').hidden"):
            fail("a run whose outputs are not ASCII art shows its translation as text")
    finally:
        b.close()


def check_translate_text(b, url, token, work):
    """An ASCII-art run: the translation as text on the page, the server's text of the canvas's translation, and a
    .txt download holding the same text."""
    text = "(() => { const t = document.getElementById('translated-text'); return t.hidden ? '' : t.textContent; })()"
    wait_for("the translation as text", lambda: b.js(text), 30)
    # The server's generator moves on as the run trains: paused, the page's translation and the test's own request
    # below are answered by the same snapshot. The page translates again (its text cleared first) once paused.
    request = urllib.request.Request(url + "/api/control", data=b'{"command": "pause"}', method="POST",
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10)
    wait_for("the pix2pix run paused", lambda: status(url).get("state") == "paused", 30)
    b.js("(() => { const t = document.getElementById('translated-text'); t.textContent = ''; t.hidden = true; })()")
    click(b, "#translate-now")
    shown = wait_for("the translation as text, again", lambda: b.js(text), 30)
    # What the server says for the canvas as it is now (the page's last translation was of it).
    server = b.js("""new Promise((done) => document.getElementById('canvas').toBlob((png) =>
        fetch('/api/translate?output=text', {method: 'POST', headers: {'Authorization': 'Bearer ' + %s,
              'Content-Type': 'image/png'}, body: png}).then((r) => r.text()).then(done), 'image/png'))""" % json.dumps(token))
    if shown != server:
        fail("the page's text is not the server's translation of its canvas:\n%r\n%r" % (shown, server))
    lines = shown.rstrip("\n").split("\n")
    if len(lines) < 2 or len({len(l) for l in lines}) != 1 or any(ord(ch) < 32 or ord(ch) > 126 for l in lines for ch in l):
        fail("the translation's text is not a grid of printable ASCII: %r" % shown)
    link = b.js("(() => { const a = document.getElementById('download-text'); return a.hidden ? '' : a.href; })()")
    if not link.startswith("blob:") or b.js("document.getElementById('download-text').download") != "translation.txt":
        fail("no .txt download of the translation: %r" % link)
    # Downloaded as a user would (a click on the link), into a folder of the test's.
    folder = os.path.join(work, "downloads")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    b.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=folder)
    click(b, "#download-text")
    path = os.path.join(folder, "translation.txt")
    wait_for("translation.txt downloaded", lambda: os.path.exists(path), 20)  # Chromium renames it when complete
    if open(path).read() != shown:
        fail("the downloaded translation.txt holds %r, the page shows %r" % (open(path).read(), shown))
    print("browser: translate: as text, %d lines of %d glyphs, the server's text of the canvas, downloadable as "
          "translation.txt:\n%s" % (len(lines), len(lines[0]), shown.rstrip("\n")))


def check_alerts(url, token, work):
    """A run made to fail, paused before its alert: the page is opened first with its /api/alerts requests failed, so the
    alert can only reach it on the event stream; then a page opened afterwards (polling) reads it from /api/alerts.
    Both show the banner (step, kind, message, the evidence's curve) and the list as the server has them."""
    wait_for("the run to be paused", lambda: status(url)["state"] == "paused", 60)
    if status(url)["state"] != "paused" or status(url)["alerts_raised"] != 0:
        fail("the alerts run should start paused with no alert: %s" % status(url))
    b = Browser(os.path.join(work, "chrome-alerts"))
    try:
        b.call("Emulation.setDeviceMetricsOverride", width=1280, height=800, deviceScaleFactor=1, mobile=False)
        b.call("Fetch.enable", patterns=[{"urlPattern": "*/api/alerts*", "requestStage": "Request"}])
        b.open(url + "/")
        wait_for("the stream", lambda: b.js("ganscope.stream()") == 1, 30)
        failed = [0]

        def refuse_alert_requests():
            while True:
                e = b.take_event("Fetch.requestPaused")
                if not e:
                    return
                b.call("Fetch.failRequest", requestId=e["params"]["requestId"], errorReason="Failed")
                failed[0] += 1
        request = urllib.request.Request(url + "/api/control", data=b'{"command": "resume"}', method="POST",
                                         headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10)
        banner = "(() => { const b = document.getElementById('run-alert'); return b.hidden ? '' : " \
                 "document.getElementById('run-alert-title').textContent; })()"

        def stream_banner():
            refuse_alert_requests()
            b.pump(0.2)
            return b.js(banner)
        wait_for("the run's first alert", lambda: status(url)["alerts_raised"] > 0, 120)
        title = wait_for("the alert banner from the event stream", stream_banner, 30)
        alerts = json.load(urllib.request.urlopen(url + "/api/alerts", timeout=10))["alerts"]

        def check_shown(how):
            shown = b.js("ganscope.alerts()")
            served = [{"step": a["step"], "kind": a["kind"]} for a in alerts]
            if shown[:len(served)] != served[:len(shown)] or not shown:
                fail("%s: the page lists %s, the server %s" % (how, shown, served))
            newest = alerts[len(shown) - 1]
            title = b.js(banner)
            if title != "alert (%s) at step %d:" % (newest["kind"], newest["step"]):
                fail("%s: the banner says %r for %s" % (how, title, newest))
            if b.js("document.getElementById('run-alert-message').textContent") != newest["message"]:
                fail("%s: the banner's message is not the alert's" % how)
            points = b.js("document.querySelector('#run-alert-spark polyline').getAttribute('points').split(' ').length")
            if points != len(newest["evidence"]):
                fail("%s: the banner's curve has %d points, the alert's evidence %d" % (how, points, len(newest["evidence"])))
            evidence = b.js("document.getElementById('run-alert-evidence').textContent")
            if not evidence.startswith(newest["series"] + " ") or ("step %d" % newest["evidence"][-1][0]) not in evidence:
                fail("%s: the banner's evidence reads %r for %s" % (how, evidence, newest["evidence"]))
            items = b.js("[...document.querySelectorAll('#alerts li')].map((li) => li.querySelector('b').textContent)")
            if items[-1] != "step %d · %s" % (alerts[0]["step"], alerts[0]["kind"]) or len(items) != len(shown):
                fail("%s: the list holds %s" % (how, items))
            return "%s (%s; %s)" % (title, newest["message"][:60] + "...", evidence)

        said = check_shown("from the stream")
        print("browser: alerts: with /api/alerts failed (%d requests), the event stream brought the banner: %s" %
              (failed[0], said))
        b.call("Fetch.disable")
        b.js("document.getElementById('run-alert-dismiss').click()")
        if not b.js("document.getElementById('run-alert').hidden") or b.js("document.getElementById('alerts-card').hidden"):
            fail("Dismiss did not hide the banner, or took the list with it")
        # A page opened after the alert, without the stream: the status counts it, the page reads /api/alerts.
        # (about:blank between: from "/" to "/#live=poll" alone is a jump within the same page, not a new one.)
        b.open("about:blank")
        b.open(url + "/#live=poll")
        wait_for("the alert banner from /api/alerts", lambda: b.js(banner), 30)
        alerts = json.load(urllib.request.urlopen(url + "/api/alerts", timeout=10))["alerts"]
        said = check_shown("from /api/alerts")
        shot = b.call("Page.captureScreenshot", format="png")
        with open(os.path.join(work, "page_alert.png"), "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print("browser: alerts: a page opened later (polling) shows it from /api/alerts: %s; screenshot %s" %
              (said, os.path.join(work, "page_alert.png")))
        refused = ("net::ERR_FAILED (%s/api/alerts)" % url,)
        unexpected = [e for e in b.errors() if not e.endswith(refused) and "/api/alerts" not in e]
        if unexpected:
            fail("the page logged errors: %s" % unexpected[:5])
    finally:
        b.close()


def screenshots(url, token, out):
    os.makedirs(out, exist_ok=True)
    b = Browser(os.path.join(out, ".chrome"))
    try:
        for scheme in ("light", "dark"):
            b.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": scheme}])
            for name, width, height, mobile in (("desktop", 1280, 800, False), ("phone", 390, 844, True)):
                b.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=2 if mobile else 1,
                       mobile=mobile)
                b.open(url + "/#token=" + token)
                wait_for("charts", lambda: b.js("ganscope.charts().length") >= 3, 30)
                wait_for("the grid", lambda: b.js("document.getElementById('grid').naturalWidth") > 0, 30)
                time.sleep(1.5)
                shot = b.call("Page.captureScreenshot", format="png")
                path = os.path.join(out, "page_%s_%s.png" % (name, scheme))
                with open(path, "wb") as f:
                    f.write(base64.b64decode(shot["data"]))
                print(path)
    finally:
        b.close()
        shutil.rmtree(os.path.join(out, ".chrome"), ignore_errors=True)


if __name__ == "__main__":
    # A test killed from outside (ctest's timeout, Ctrl-C in browser.sh) still closes its browser.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("browser_page.py: terminated"))
    modes = {"test": check_page, "translate": check_translate, "alerts": check_alerts, "shots": screenshots}
    if len(sys.argv) != 5 or sys.argv[1] not in modes:
        fail("usage: browser_page.py test|translate|alerts|shots URL TOKEN WORKDIR")
    modes[sys.argv[1]](sys.argv[2], sys.argv[3], sys.argv[4])
