"""The booth on a slow phone: bytes sent, time to a usable booth and to a receipt.

Run: .venv/bin/python benchmarks/booth_load.py [--before REV] [--repeats N]

Needs the built pages (`make install`) and Debian's chromium. Each build is served by its
own `referendum serve --demo` process (this tree's; with --before, also the tree at REV,
cloned into a temporary folder, its web pages built there with its own build.mjs and
served by its own server code), and Chromium, driven by Playwright, loads the booth with
a cold cache under each network profile below and a 6x CPU slowdown
(Emulation.setCPUThrottlingRate). The runs of the two builds alternate.

Profiles (Network.emulateNetworkConditions; figures from Chrome DevTools'
front_end/core/sdk/NetworkManager.ts, Slow3GConditions, called "Slow 3G", since 2024 "3G"):
- slow-3g: 400 ms latency per request, 50,000 bytes/s down and up (DevTools: 500 kbit/s
  times 0.8, i.e. 400 kbit/s; 400 ms is its target round-trip time);
- devtools-3g: the same throughput with the latency DevTools itself sends, 2,000 ms per
  request (400 ms times 5: its request-level stand-in for packet-level round trips).

Figures per run, from the page's own clock (performance.now(), 0 = navigation start):
- usable: the code step shown (main[data-state=code]) with #credential-code enabled and
  visible;
- receipt: a voter that acts at once types a code, picks an option, encrypts and casts;
  the cast step shown with every receipt check passed (#receipt-status[data-ok=true]).
Also the JavaScript each page loads: files and bytes as sent (compressed if the server
compressed them), read from the browser's network log.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, Response, sync_playwright

from browser_booth import CHROMIUM, CHROMIUM_ARGS  # the same browser, the same flags
from crypto import _cpu  # benchmarks/crypto.py: the machine line every benchmark prints

ROOT = Path(__file__).resolve().parents[1]
#: (latency ms per request, bytes/s down, bytes/s up)
PROFILES = {"slow-3g": (400, 50_000, 50_000), "devtools-3g": (2_000, 50_000, 50_000)}
CPU_SLOWDOWN = 6
#: docs/performance.md: the goal on slow-3g with the CPU slowdown.
GOAL_USABLE_S = 3.0
GOAL_BOOTH_JS = 60_000
PAGES = {"booth": ("/", "code"), "explorer": ("/explorer", "ready"), "results": ("/results", "")}
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+/)")
#: Marks the moments the booth becomes usable and the receipt is checked (window.__marks,
#: in ms from navigation start) and resolves window.__usable and window.__receipt then. A
#: moment is the end of the first frame that shows the state (a task posted from the
#: frame's requestAnimationFrame callback). The observer watches only the attributes that
#: change at those moments and reads no layout: a costlier one slows the throttled page.
MARKS = """
(() => {
  const marks = (window.__marks = {});
  const done = {};
  window.__usable = new Promise((resolve) => { done.usable = resolve; });
  window.__receipt = new Promise((resolve) => { done.receipt = resolve; });
  const mark = (name) => {
    marks[name] = 0;
    requestAnimationFrame(() => setTimeout(() => {
      marks[name] = performance.now();
      done[name](marks[name]);
    }));
  };
  const check = () => {
    const state = document.getElementById('main')?.dataset.state;
    if (state === 'code' && marks.usable === undefined) {
      const input = document.getElementById('credential-code');
      if (input && !input.disabled && !input.closest('[hidden]')) mark('usable');
    } else if (state === 'cast' && marks.receipt === undefined) {
      if (document.getElementById('receipt-status')?.dataset.ok === 'true') mark('receipt');
    }
  };
  new MutationObserver(check).observe(document, {
    subtree: true, attributes: true,
    attributeFilter: ['data-state', 'data-ok', 'disabled', 'hidden'],
  });
})();
"""


@dataclass
class Served:
    """One build served by a demo server: its address and unused credential codes."""

    label: str
    url: str
    codes: list[tuple[str, ...]]  # each voter's codes, one per co-issuing registrar


@contextmanager
def _serve(label: str, source: Path, folder: Path, voters: int) -> Iterator[Served]:
    """Gives back a demo referendum served by the server code and pages under source."""
    env = {**os.environ, "PYTHONPATH": str(source / "src"), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "referendum.cli", "serve", "--demo", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--voters", str(voters), "--folder", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=source,
    )
    assert process.stdout is not None
    seen: list[str] = []
    url = None
    while url is None:
        line = process.stdout.readline()
        if not line:
            raise SystemExit(f"{label}: serve --demo stopped:\n" + "".join(seen))
        seen.append(line)
        if found := LISTENING.search(line):
            url = found.group(1)
    drain = subprocess.Popen(["cat"], stdin=process.stdout, stdout=subprocess.DEVNULL)
    # codes.txt: `region code code`, one code per registrar of the region
    codes = [tuple(line.split()[1:]) for line in (folder / "codes.txt").read_text().splitlines()]
    try:
        yield Served(label, url, codes)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        drain.kill()


def _checkout(rev: str, into: Path) -> Path:
    """Gives back a clone of this repository at rev with its web pages built."""
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(ROOT), str(into)], check=True)
    subprocess.run(["git", "-C", str(into), "checkout", "-q", rev], check=True)
    web = into / "web"
    npm = ["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"]
    subprocess.run(npm, cwd=web, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["node", "build.mjs"], cwd=web, check=True, stdout=subprocess.DEVNULL)
    return into


def _requests(page: Page) -> list[str]:
    """Gives back a list that fills with the path of every request the page makes."""
    paths: list[str] = []
    page.on("request", lambda r: paths.append("/" + r.url.split("/", 3)[3]))
    return paths


def _scripts(page: Page) -> list[Response]:
    """Gives back a list that fills with the page's script responses."""
    found: list[Response] = []
    page.on("response", lambda r: found.append(r) if r.url.split("?")[0].endswith(".js") else None)
    return found


def _js_bytes(responses: list[Response]) -> tuple[int, int]:
    """Gives back (files, body bytes as sent) of script responses."""
    return len(responses), sum(r.request.sizes()["responseBodySize"] for r in responses)


def _throttled(page: Page, profile: str) -> None:
    latency, down, up = PROFILES[profile]
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": latency, "downloadThroughput": down, "uploadThroughput": up},
    )
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})


def _run(browser: Browser, served: Served, profile: str) -> dict[str, float]:
    """Gives back one cold load and cast: usable and receipt (s), booth JS files and bytes."""
    context = browser.new_context(locale="uk-UA", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.add_init_script(MARKS)
        scripts = _scripts(page)
        requests = _requests(page)
        _throttled(page, profile)
        page.goto(served.url, wait_until="commit")
        page.evaluate("window.__usable")
        files, sent = _js_bytes(scripts)
        twice = sorted({p for p in requests if requests.count(p) > 1})
        if twice:  # a preload (Link header, modulepreload) the page did not take
            raise SystemExit(f"{served.label}: requested more than once: {', '.join(twice)}")
        # One field per registrar's code: #credential-code, then #credential-code-2, ...
        for number, code in enumerate(served.codes.pop(), start=1):
            page.fill("#credential-code" + (f"-{number}" if number > 1 else ""), code)
        page.click("#credential-submit")
        page.wait_for_selector("main[data-state=choose]", timeout=120_000)
        page.check("input[data-option=ukraine]")
        page.click("#encrypt")
        page.wait_for_selector("main[data-state=review]", timeout=120_000)
        page.click("#cast")
        page.evaluate("window.__receipt")
        marks: dict[str, float] = page.evaluate("window.__marks")
        return {
            "usable": marks["usable"] / 1000,
            "receipt": marks["receipt"] / 1000,
            "files": files,
            "bytes": sent,
        }
    finally:
        context.close()


def _explain(browser: Browser, served: Served, profile: str) -> list[str]:
    """Gives back lines on one more load: each request's times and the busiest functions."""
    context = browser.new_context(locale="uk-UA", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.add_init_script(MARKS)
        _throttled(page, profile)
        cdp = context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 500})
        cdp.send("Profiler.start")
        page.goto(served.url, wait_until="commit")
        usable = page.evaluate("window.__usable")
        cpu = cdp.send("Profiler.stop")["profile"]
        entries = page.evaluate(
            "[performance.getEntriesByType('navigation')[0],"
            " ...performance.getEntriesByType('resource')].map((e) =>"
            " [new URL(e.name).pathname, e.startTime, e.responseEnd, e.encodedBodySize])"
        )
    finally:
        context.close()
    lines = [f"{served.label}: one load on {profile}, usable at {usable / 1000:.2f} s"]
    lines += [
        f"  {path:34} {start / 1000:5.2f} s to {end / 1000:5.2f} s {size:8,} B"
        for path, start, end, size in entries
    ]
    parents = {c: n["id"] for n in cpu["nodes"] for c in n.get("children", [])}
    frames = {n["id"]: n["callFrame"] for n in cpu["nodes"]}
    spent: dict[tuple[str, str, int, int], float] = {}
    for sample, delta in zip(cpu["samples"], cpu["timeDeltas"], strict=True):
        seen = set()
        node: int | None = sample
        while node is not None:
            f = frames[node]
            key = (f["functionName"] or "(anonymous)", f["url"], f["lineNumber"], f["columnNumber"])
            if key not in seen and key[0] != "(root)":
                seen.add(key)
                spent[key] = spent.get(key, 0.0) + delta / 1000
            node = parents.get(node)
    lines.append(
        "  most time (ms, callees included, whole profile; minified names with their code):"
    )
    sources: dict[str, list[str]] = {}
    for (name, url, line, column), ms in sorted(spent.items(), key=lambda kv: -kv[1])[:16]:
        where = ""
        if url.startswith(served.url):
            if url not in sources:
                with urllib.request.urlopen(url) as answer:
                    sources[url] = answer.read().decode().split("\n")
            code = sources[url][line][column : column + 50] if line >= 0 else ""
            where = f" {url.rsplit('/', 1)[-1]}: {code}"
        lines.append(f"  {ms:6.0f}  {name}{where}")
    return lines


def _page_js(browser: Browser, served: Served, page_name: str) -> tuple[int, int]:
    """Gives back (files, bytes as sent) of the scripts one page loads, cache cold."""
    path, state = PAGES[page_name]
    context = browser.new_context(locale="uk-UA")
    try:
        page = context.new_page()
        scripts = _scripts(page)
        page.goto(served.url + path.lstrip("/"))
        page.wait_for_function(
            "(s) => { const m = document.getElementById('main');"
            " return m && m.dataset.state !== 'loading' && (!s || m.dataset.state === s); }",
            arg=state,
            timeout=60_000,
        )
        return _js_bytes(scripts)
    finally:
        context.close()


def _summary(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} ({min(values):.2f} to {max(values):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="REV", help="also measure the tree at REV")
    parser.add_argument("--repeats", type=int, default=5, help="runs per build and profile")
    parser.add_argument(
        "--explain", action="store_true", help="also one profiled load of each build, on slow-3g"
    )
    parser.add_argument(
        "--profiles", default=",".join(PROFILES), help=f"of {', '.join(PROFILES)} (default all)"
    )
    args = parser.parse_args()
    profiles = args.profiles.split(",")
    if not set(profiles) <= set(PROFILES):
        parser.error(f"--profiles: want some of {', '.join(PROFILES)}, got {args.profiles}")
    if not (ROOT / "src/referendum/server/static/build.json").is_file():
        print("the pages are not built: run `make install`", file=sys.stderr)
        return 2
    voters = args.repeats * len(profiles) + 4

    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="booth-load-")))
        sources = [("after", ROOT)]
        if args.before:
            print(f"# building {args.before} in {work / 'before'}", file=sys.stderr)
            sources.insert(0, (f"before ({args.before})", _checkout(args.before, work / "before")))
        builds = [
            stack.enter_context(_serve(label, source, work / f"demo-{i}", voters))
            for i, (label, source) in enumerate(sources)
        ]
        p = stack.enter_context(sync_playwright())
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        stack.callback(browser.close)

        js = {(b.label, name): _page_js(browser, b, name) for b in builds for name in PAGES}
        runs: dict[tuple[str, str], list[dict[str, float]]] = {}
        for profile in profiles:
            for _ in range(args.repeats):
                for b in builds:  # alternate, so that the machine's noise falls on both
                    runs.setdefault((profile, b.label), []).append(_run(browser, b, profile))
        version = browser.version
        explained = (
            [line for b in builds for line in _explain(browser, b, "slow-3g")]
            if args.explain
            else []
        )

    print(f"# {_cpu()}, {os.cpu_count()} cores, Chromium {version}, {time.strftime('%Y-%m-%d')}")
    print(f"# CPU slowdown {CPU_SLOWDOWN}x; cold cache; {args.repeats} runs per build and profile")
    print(f"{'page':9} {'build':24} {'JS files':>8} {'JS bytes sent':>14}")
    for (label, name), (files, sent) in js.items():
        print(f"{name:9} {label:24} {files:8} {sent:14,}")
    for profile in profiles:
        latency, down, up = PROFILES[profile]
        print(f"# {profile}: {latency} ms per request, {down:,} B/s down, {up:,} B/s up")
        print(f"{'build':24} {'usable s, median (range)':>28} {'receipt s, median (range)':>28}")
        for b in builds:
            got = runs[(profile, b.label)]
            usable = _summary([r["usable"] for r in got])
            receipt = _summary([r["receipt"] for r in got])
            print(f"{b.label:24} {usable:>28} {receipt:>28}")
    for line in explained:
        print(line)
    after = builds[-1].label
    booth_js = js[(after, "booth")][1]
    if "slow-3g" in profiles:
        usable = statistics.median(r["usable"] for r in runs[("slow-3g", after)])
        met = usable < GOAL_USABLE_S and booth_js < GOAL_BOOTH_JS
        print(
            f"goal: usable in under {GOAL_USABLE_S:.0f} s on slow-3g ({usable:.2f} s) with under "
            f"{GOAL_BOOTH_JS // 1000} KB of booth JavaScript ({booth_js:,} bytes): "
            f"{'met' if met else 'NOT met'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
