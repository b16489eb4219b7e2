// Appended (by check_html_report.py) to a copy of the workflow's report.html, after the
// report's own scripts: opens every category of the navigation bar and every result the way the
// report's view buttons do (app.setView), waits for each image to decode, reads the HTML and
// CSV results back from their data URIs, and resolves window.__kgpertProbe to what it saw (read
// through Chrome's DevTools protocol). Leaves the view on the test Pearson figure for the
// screenshot.
window.__kgpertProbe = (async function () {
  const out = { ok_scripts: false, categories: {}, results: {}, errors: [] };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const appText = () => document.querySelector("#app").innerText;
  // The first truthy value of fn() within 100 tries 50 ms apart (React renders asynchronously).
  const waitFor = async (fn) => {
    for (let i = 0; i < 100; i++) {
      const v = fn();
      if (v) return v;
      await sleep(50);
    }
    return null;
  };
  try {
    // `app` is set when the report's App first renders; `results`, `categories` are its data.
    out.ok_scripts = !!(await waitFor(() => typeof app !== "undefined" && app)) && typeof results === "object";
    await waitFor(() => appText().includes("kgpert: dataset"));
    out.landing = appText().slice(0, 4000);
    for (const cat of Object.keys(categories)) {
      const subs = Object.keys(categories[cat]);
      const seen = {};
      for (const sub of subs) {
        // Through the menu, as a reader goes (the subcategory view keeps what it first showed).
        app.setView({ navbarMode: "menu" });
        await waitFor(() => app.state.navbarMode === "menu");
        await sleep(50);
        app.setView({ navbarMode: "subcategory", category: cat, subcategory: sub });
        // A result is listed by its labels' values (by its name when it has none).
        const shown = categories[cat][sub].flatMap((p) => (results[p].labels ? Object.values(results[p].labels).map(String) : [results[p].name]));
        await waitFor(() => app.state.navbarMode === "subcategory" && shown.every((n) => appText().includes(n)));
        seen[sub] = { paths: categories[cat][sub], text: appText().slice(0, 4000) };
      }
      out.categories[cat] = seen;
    }
    let screenshotPath = null;
    for (const [path, r] of Object.entries(results)) {
      const rec = { name: r.name, mime: r.mime_type, caption: r.caption, labels: r.labels };
      if (r.mime_type.startsWith("image/")) {
        app.setView({ content: "img", contentPath: r.data_uri, resultPath: path });
        const img = await waitFor(() =>
          [...document.querySelectorAll("#app img")].find((i) => i.getAttribute("src") === r.data_uri));
        rec.shown = !!img;
        if (img) {
          try { await img.decode(); } catch (e) { rec.decode_error = String(e); }
          rec.complete = img.complete;
          rec.width = img.naturalWidth;
          rec.height = img.naturalHeight;
        }
        if (r.name === "test_pearson.png") screenshotPath = path;
      } else if (r.mime_type === "text/html") {
        app.setView({ content: "html", contentPath: r.data_uri, resultPath: path });
        rec.shown = !!(await waitFor(() =>
          [...document.querySelectorAll("#app iframe")].find((f) => f.getAttribute("src") === r.data_uri)));
        const doc = new DOMParser().parseFromString(await (await fetch(r.data_uri)).text(), "text/html");
        rec.tables = [...doc.querySelectorAll("table")].map((t) => ({
          id: t.id, rows: [...t.querySelectorAll("tr")].map((tr) => [...tr.cells].map((c) => c.textContent)) }));
      } else {
        rec.text = await (await fetch(r.data_uri)).text();
      }
      out.results[path] = rec;
    }
    if (screenshotPath) {
      app.setView({ navbarMode: "menu" });
      await sleep(100);
      app.setView({ navbarMode: "subcategory", category: "Test Pearson", subcategory: Object.keys(categories["Test Pearson"])[0] });
      app.setView({ content: "img", contentPath: results[screenshotPath].data_uri, resultPath: screenshotPath });
    }
    out.timings = performance.now();
  } catch (e) {
    out.errors.push(String((e && e.stack) || e));
  }
  out.page_errors = window.__kgpertErrors || [];
  return out;
})();
