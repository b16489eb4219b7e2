"""Opens the workflow's HTML report in headless Chromium and checks what it shows.

    check_html_report.py REPORT.html RESULTS_DIR OUT_DIR [CHROMIUM]

RESULTS_DIR is the run's results/<dataset>/ (its compare.csv, compare_paired.csv, figures);
OUT_DIR receives probe.html (the report with tests/pipeline/report_probe.js appended, and an
error catcher in front of the report's own scripts), chromium.log, dom.html (the page's DOM after
the probe) and screenshot.png (1400x1000, the test Pearson figure open). Chromium is driven
through its DevTools protocol (over a pipe). Exits non-zero naming the
first failed check.

Checked:
* the report embeds exactly the results the run made (compare.html, compare.csv,
  compare_paired.csv, the four plots, explain/explain.png when there is a GAT run to explain,
  plots/sweeps/sweep_<key>.png for each grid key, plots/halving/halving_<race>.png under
  sweep.search halving), each byte for byte, under its category (Sweeps: a subcategory per key,
  and "halving"), with its caption from workflow/report/ and its labels;
* in Chromium: the report's scripts ran with no error (uncaught errors, rejected promises and
  console.error are recorded from before the report's first script); every category lists its
  results (by their labels); every figure, opened as the report's view button opens it, is an <img> that
  decodes to the PNG's width and height (no broken image); compare.html, opened, is an iframe
  whose page holds the table "metrics" with a row per compare.csv row (split, model, ablation,
  n and the mean test Pearson to 3 decimals) and the table "paired" with a row per
  compare_paired.csv row (A, B and A - B to 3 decimals); the CSVs read back as the files;
* no error text (Error, Exception, Traceback, undefined, NaN) in what the report shows;
* the screenshot is a PNG of the window's size that is not blank (many colours, dark text on a
  light page).
"""
import base64
import csv
import glob
import html
import json
import os
import re
import struct
import select
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WIDTH, HEIGHT = 1400, 1000

# result (relative to RESULTS_DIR) -> (category, words of its caption)
EXPECTED = {
    "compare.html": ("Comparison", "The comparison tables of"),
    "compare.csv": ("Comparison", "every test metric, mean and sd"),
    "compare_paired.csv": ("Comparison", "the paired comparisons"),
    "plots/test_pearson.png": ("Test Pearson", "Test Pearson (per test signature"),
    "plots/learning_curves.png": ("Learning curves", "Validation Pearson per epoch"),
    "plots/pred_vs_true.png": ("GAT run", "Predicted against measured z-score"),
    "plots/attention_share.png": ("GAT attention", "share of the GAT"),
    "explain/explain.png": ("GAT run", "on one GAT run"),
}
ERROR_TEXT = re.compile(r"\b(Error|Exception|Traceback|undefined|NaN)\b")


def fail(msg):
    sys.exit(f"FAIL: {msg}")


def ok(msg):
    print(f"ok: {msg}", flush=True)


def png_size(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def embedded(report_html):
    """The report's `var results = {...}` and `var categories = {...}`."""
    found = {}
    for name in ("results", "categories"):
        m = re.search(r"var %s = (\{.*?\});\n" % name, report_html, re.S)
        if not m:
            fail(f"the report holds no `var {name}`")
        found[name] = json.loads(m.group(1))
    return found["results"], found["categories"]


def data_bytes(uri):
    head, _, payload = uri.partition(",")
    if not head.startswith("data:"):
        fail(f"not a data URI: {uri[:60]}")
    return base64.b64decode(payload) if head.endswith(";base64") else payload.encode()


class Chromium:
    """Headless Chromium driven through the DevTools protocol over a pipe
    (--remote-debugging-pipe: JSON messages ending in a NUL byte, commands on its fd 3, answers
    and events on its fd 4), attached to its one page."""

    def __init__(self, exe, out_dir, url):
        self.ids = 0
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        self.buf = b""
        self.log = open(os.path.join(out_dir, "chromium.log"), "wb")
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               "--disable-extensions", "--hide-scrollbars", "--remote-debugging-pipe",
               f"--user-data-dir={os.path.join(out_dir, 'profile')}", f"--window-size={WIDTH},{HEIGHT}", url]

        def fds():  # the child's fds 3 and 4 (copied out of the way first, either may be 3 or 4)
            r, w = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(r, 3)
            os.dup2(w, 4)

        # pass_fds: 3 and 4 stay open past the closing of the others (after preexec_fn).
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=fds,
                                     pass_fds=(3, 4, to_chrome_r, from_chrome_w))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        targets = self.call("Target.getTargets")["targetInfos"]
        page = [t for t in targets if t["type"] == "page"]
        if not page:
            fail(f"Chromium opened no page: {targets}")
        self.session = self.call("Target.attachToTarget", targetId=page[0]["targetId"], flatten=True)["sessionId"]
        self.page("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)

    def call(self, method, session=None, **params):
        self.ids += 1
        msg = {"id": self.ids, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + 120
        while True:
            while b"\0" not in self.buf:
                if time.monotonic() > deadline:
                    fail(f"Chromium did not answer {method} within 120 s")
                if not select.select([self.from_chrome], [], [], 1)[0]:
                    continue
                chunk = os.read(self.from_chrome, 1 << 20)
                if not chunk:
                    fail(f"Chromium exited during {method} (its output: {self.log.name})")
                self.buf += chunk
            raw, _, self.buf = self.buf.partition(b"\0")
            reply = json.loads(raw)
            if reply.get("id") == self.ids:
                if "error" in reply:
                    fail(f"Chromium: {method}: {reply['error']}")
                return reply["result"]

    def page(self, method, **params):
        return self.call(method, self.session, **params)

    def evaluate(self, expression):
        r = self.page("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True,
                      timeout=120000)
        if "exceptionDetails" in r:
            fail(f"in the page: {expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def close(self):
        try:
            self.call("Browser.close")
        finally:
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.log.close()


def main(report, res, out_dir, exe="chromium"):
    os.makedirs(out_dir, exist_ok=True)
    with open(report, encoding="utf-8") as fh:
        page = fh.read()
    results, categories = embedded(page)

    # 1. What the report embeds.
    want = {p: v for p, v in EXPECTED.items() if os.path.exists(os.path.join(res, p))}
    for must in ("compare.html", "compare.csv", "compare_paired.csv", "plots/test_pearson.png",
                 "plots/learning_curves.png", "plots/pred_vs_true.png", "plots/attention_share.png"):
        if must not in want:
            fail(f"the run made no {must}")
    sweeps = sorted(os.path.relpath(p, res) for p in glob.glob(os.path.join(res, "plots/sweeps/sweep_*.png")))
    for p in sweeps:
        want[p] = ("Sweeps", "Test and validation Pearson against the values of the sweep.grid key")
    for p in sorted(os.path.relpath(p, res) for p in glob.glob(os.path.join(res, "plots/halving/halving_*.png"))):
        want[p] = ("Sweeps", "Successive halving")
    # The report names results by their paths in the workflow's directory (res's grandparent).
    workdir = os.path.dirname(os.path.dirname(os.path.abspath(res)))
    by_rel = {os.path.relpath(os.path.join(workdir, p), os.path.abspath(res)): p for p in results}
    if sorted(by_rel) != sorted(want):
        fail(f"the report holds {sorted(by_rel)}, want {sorted(want)}")
    for rel, (cat, words) in want.items():
        r = results[by_rel[rel]]
        with open(os.path.join(res, rel), "rb") as fh:
            if data_bytes(r["data_uri"]) != fh.read():
                fail(f"{rel}: the embedded data differ from the file")
        if words not in html.unescape(re.sub(r"<[^>]+>", "", r["caption"] or "")).replace("\n", " "):
            fail(f"{rel}: caption {r['caption']!r} lacks {words!r}")
        if not r.get("labels"):
            fail(f"{rel}: no labels")
        # Sweeps: subcategory the grid key of sweep_<key>.png, "halving" for halving_<race>.png.
        name = os.path.basename(rel)
        sub = None if cat != "Sweeps" else "halving" if name.startswith("halving_") else name[len("sweep_"):-len(".png")]
        where = [(c, s) for c, subs in categories.items() for s, paths in subs.items() if by_rel[rel] in paths]
        if len(where) != 1 or where[0][0] != cat:
            fail(f"{rel}: in categories {where}, want {cat}")
        if sub and where[0][1] != sub:
            fail(f"{rel}: in subcategory {where[0][1]}, want {sub}")
    ok(f"the report embeds the {len(want)} results of the run, byte for byte, with categories, captions, labels")

    # 2. The report in Chromium, every result opened.
    with open(os.path.join(HERE, "report_probe.js"), encoding="utf-8") as fh:
        probe_js = fh.read()
    catcher = ("<script>window.__kgpertErrors = [];"
               "addEventListener('error', e => __kgpertErrors.push('error: ' + e.message));"
               "addEventListener('unhandledrejection', e => __kgpertErrors.push('rejection: ' + e.reason));"
               "(c => { console.error = (...a) => { __kgpertErrors.push('console.error: ' + a.join(' ')); c(...a); }; })"
               "(console.error.bind(console));</script>")
    # The first <head> and the last </body> (the report's scripts hold both in strings too).
    if not re.search(r"^<head>$", page, re.M) or not page.rstrip().endswith("</html>"):
        fail("the report is not a <head> ... </body></html> page")
    before, _, after = page.rpartition("</body>")
    probe_page = (before.replace("<head>", "<head>" + catcher, 1) + f"<script>{probe_js}</script></body>" + after)
    probe = os.path.join(os.path.abspath(out_dir), "probe.html")
    with open(probe, "w", encoding="utf-8") as fh:
        fh.write(probe_page)
    browser = Chromium(exe, out_dir, f"file://{probe}")
    try:
        for _ in range(1200):  # up to 120 s for the page to load and the probe to be there
            if browser.evaluate("document.readyState === 'complete' && window.__kgpertProbe !== undefined"):
                break
            time.sleep(0.1)
        else:
            fail("the report did not load in Chromium within 120 s")
        seen = browser.evaluate("window.__kgpertProbe")
        with open(os.path.join(out_dir, "dom.html"), "w", encoding="utf-8") as fh:
            fh.write(browser.evaluate("document.documentElement.outerHTML"))
        time.sleep(0.5)  # the last view (the test Pearson figure) painted
        shot_b64 = browser.page("Page.captureScreenshot", format="png")["data"]
    finally:
        browser.close()
    if not isinstance(seen, dict):
        fail(f"the probe returned {seen!r}")
    if not seen["ok_scripts"]:
        fail("the report's scripts did not define app and results")
    if seen["errors"] or seen["page_errors"]:
        fail(f"errors in the page: {seen['errors'] + seen['page_errors']}")
    if "kgpert: dataset" not in seen["landing"]:
        fail(f"the landing page lacks the workflow description: {seen['landing'][:500]!r}")
    texts = [seen["landing"]]
    for cat, subs in seen["categories"].items():
        for sub, s in subs.items():
            texts.append(s["text"])
            for path in s["paths"]:
                labels = results[path]["labels"]
                for text in (map(str, labels.values()) if labels else [results[path]["name"]]):
                    if text not in s["text"]:
                        fail(f"category {cat}/{sub} does not list {results[path]['name']} ({text!r} not shown)")
    ok(f"landing page and {len(seen['categories'])} categories rendered, each listing its results "
       "(by their labels); no script error")

    csv_rows = lambda name: list(csv.DictReader(open(os.path.join(res, name), newline="")))
    for rel in want:
        rec = seen["results"].get(by_rel[rel])
        if rec is None:
            fail(f"{rel}: not opened in the page")
        texts.append(json.dumps(rec.get("labels")))
        if rel.endswith(".png"):
            with open(os.path.join(res, rel), "rb") as fh:
                size = png_size(fh.read(24))
            if not (rec.get("shown") and rec.get("complete") and "decode_error" not in rec
                    and (rec.get("width"), rec.get("height")) == size):
                fail(f"{rel}: the image shown is broken or not the file ({rec}, want {size})")
        elif rel == "compare.html":
            if not rec.get("shown"):
                fail("compare.html: not shown in an iframe")
            tables = {t["id"]: t["rows"] for t in rec["tables"]}
            if "metrics" not in tables or "paired" not in tables:
                fail(f"compare.html holds tables {sorted(tables)}, want metrics and paired")
            for t in tables.values():
                for row in t:
                    texts.append(" ".join(row))
            head, *body = tables["metrics"]
            rows = csv_rows("compare.csv")
            if len(body) != len(rows):
                fail(f"table metrics: {len(body)} rows, compare.csv {len(rows)}")
            for cells, r in zip(body, rows):
                pearson = cells[head.index("pearson")].split(" ± ")[0]
                got = [cells[head.index(k)] for k in ("split", "model", "ablation", "n")] + [pearson]
                exp = [r["split"], r["model"], r["ablation"], r["n"], f"{float(r['pearson_mean']):.3f}"]
                if got != exp:
                    fail(f"table metrics row {cells}: want {exp}")
            head, *body = tables["paired"]
            prows = csv_rows("compare_paired.csv")
            if len(body) != len(prows):
                fail(f"table paired: {len(body)} rows, compare_paired.csv {len(prows)}")
            col = [h for h in head if h.startswith("A − B")]
            for cells, r in zip(body, prows):
                got = [cells[head.index("A")], cells[head.index("B")], cells[head.index(col[0])]]
                exp = [r["a"], r["b"], f"{float(r['pearson_diff']):+.3f}"]
                if got != exp:
                    fail(f"table paired row {cells}: want {exp}")
        else:
            with open(os.path.join(res, rel), encoding="utf-8") as fh:
                if rec.get("text") != fh.read():
                    fail(f"{rel}: the page reads back other text than the file")
    ok(f"every figure decodes in Chromium at its PNG size; compare.html shows {len(csv_rows('compare.csv'))} "
       f"metric rows and {len(csv_rows('compare_paired.csv'))} paired rows matching the CSVs")
    for t in texts:
        hit = ERROR_TEXT.search(t)
        if hit:
            fail(f"error text {hit.group(0)!r} in the page: ...{t[max(0, hit.start() - 200):hit.end() + 200]}...")
    ok("no error text in the page")

    # 3. Screenshot.
    shot = os.path.join(os.path.abspath(out_dir), "screenshot.png")
    data = base64.b64decode(shot_b64)
    with open(shot, "wb") as fh:
        fh.write(data)
    if png_size(data) != (WIDTH, HEIGHT):
        fail(f"screenshot: not a {WIDTH}x{HEIGHT} PNG ({png_size(data)})")
    import matplotlib.image
    import numpy as np
    px = (matplotlib.image.imread(shot)[:, :, :3] * 255).round().astype(int)
    colours = len(np.unique(px.reshape(-1, 3), axis=0))
    light = float((px.mean(axis=2) > 200).mean())
    dark = float((px.mean(axis=2) < 80).mean())
    if colours < 50 or not (0.3 < light < 0.995) or dark < 0.002:
        fail(f"screenshot looks blank: {colours} colours, {light:.3f} light, {dark:.4f} dark pixels")
    ok(f"screenshot {shot}: {WIDTH}x{HEIGHT}, {colours} colours, {light:.2f} light and {dark:.3f} dark pixels")


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    main(*sys.argv[1:])
