//! The web app's one style sheet, served at `/static/app.css` (the CSP allows styles from the
//! app's own origin only, so every page styles itself through classes defined here, and the
//! SVG charts take their colours from here too). Calm, light, readable on a phone and a laptop.

pub(super) const APP_CSS: &str = r#"
:root {
  --bg: #f5f6f4;
  --card: #ffffff;
  --ink: #1f2a30;
  --muted: #5d6b73;
  --faint: #8a979e;
  --line: #e1e5e3;
  --accent: #1f6f6b;
  --accent-soft: #d7ebe8;
  --accent-ink: #134b48;
  --band: #9fcfc9;
  --high: #b3412f;
  --high-soft: #f8e3de;
  --warn: #a86a12;
  --warn-soft: #f8ecd6;
  --info: #3d6a8f;
  --info-soft: #e0eaf3;
  --ok: #2f7d4f;
  --ok-soft: #dff0e5;
  --radius: 10px;
  --shadow: 0 1px 2px rgba(20, 40, 40, .06), 0 2px 8px rgba(20, 40, 40, .04);
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--ink);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
a { color: var(--accent); text-decoration-thickness: 1px; text-underline-offset: 2px; }
a:hover { color: var(--accent-ink); }
h1, h2, h3, h4, h5 { line-height: 1.25; margin: 0 0 .5em; font-weight: 650; }
h1 { font-size: 1.6rem; letter-spacing: -.01em; }
h2 { font-size: 1.2rem; }
h3 { font-size: 1.05rem; }
p { margin: 0 0 .8em; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.muted { color: var(--muted); }
.small { font-size: .875rem; }
.num { font-variant-numeric: tabular-nums; }

/* Header */
.top {
  display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem;
  padding: .75rem clamp(1rem, 4vw, 2.5rem); background: var(--card); border-bottom: 1px solid var(--line);
}
.brand { display: flex; align-items: center; gap: .5rem; font-weight: 700; color: var(--ink); text-decoration: none; font-size: 1.1rem; }
.mark { width: 1.1rem; height: 1.1rem; border-radius: 50%; background: var(--accent); box-shadow: inset -.3rem -.2rem 0 var(--band); }
.nav { flex: 1 1 auto; }
.nav ul { display: flex; flex-wrap: wrap; gap: .25rem; list-style: none; margin: 0; padding: 0; }
.nav a { display: block; padding: .35rem .75rem; border-radius: 999px; color: var(--muted); text-decoration: none; }
.nav a:hover { background: var(--bg); color: var(--ink); }
.nav a.current { background: var(--accent-soft); color: var(--accent-ink); font-weight: 600; }
.who { display: flex; align-items: center; gap: .6rem; font-size: .9rem; }
.who-name { font-weight: 600; }
.who-role { color: var(--muted); text-transform: capitalize; }
.signout { margin: 0; }
button.link { background: none; border: 0; padding: 0; color: var(--accent); font: inherit; cursor: pointer; text-decoration: underline; }

.main { max-width: 76rem; margin: 0 auto; padding: 1.5rem clamp(1rem, 4vw, 2.5rem) 3rem; }
.foot { max-width: 76rem; margin: 0 auto; padding: 0 clamp(1rem, 4vw, 2.5rem) 2rem; color: var(--faint); font-size: .8rem; }

/* Page heading */
.page-head { display: flex; flex-wrap: wrap; align-items: flex-end; justify-content: space-between; gap: .5rem 1rem; margin-bottom: 1.25rem; }
.page-head p { margin: .2rem 0 0; color: var(--muted); }
.crumbs { font-size: .875rem; color: var(--muted); margin-bottom: .35rem; }
.crumbs a { color: var(--muted); }

/* Cards and grids */
.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); box-shadow: var(--shadow); padding: 1.1rem 1.25rem; margin-bottom: 1rem; }
.card > h2:first-child, .card > h3:first-child { margin-top: 0; }
.card-head { display: flex; justify-content: space-between; align-items: baseline; gap: 1rem; flex-wrap: wrap; }
.grid-2 { display: grid; gap: 1rem; grid-template-columns: minmax(0, 1fr); }
.split { display: grid; gap: 1rem; grid-template-columns: minmax(0, 1fr); }
.stats { display: grid; gap: .75rem; grid-template-columns: repeat(auto-fit, minmax(10.5rem, 1fr)); margin-bottom: 1rem; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: .8rem 1rem; box-shadow: var(--shadow); }
.stat .k { font-size: .8rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.stat .v { font-size: 1.45rem; font-weight: 650; font-variant-numeric: tabular-nums; line-height: 1.3; }
.stat .h { font-size: .8rem; color: var(--muted); margin-top: .25rem; }
.stat .meter { margin-top: .4rem; }
@media (min-width: 900px) {
  .grid-2 { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .split { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); align-items: start; }
}

/* Pills */
.pill { display: inline-block; padding: .1rem .55rem; border-radius: 999px; font-size: .78rem; font-weight: 600; white-space: nowrap; background: var(--bg); color: var(--muted); }
.sev-high { background: var(--high-soft); color: var(--high); }
.sev-warn { background: var(--warn-soft); color: var(--warn); }
.sev-info { background: var(--info-soft); color: var(--info); }
.st-drafted { background: var(--warn-soft); color: var(--warn); }
.st-approved { background: var(--accent-soft); color: var(--accent-ink); }
.st-delivered { background: var(--ok-soft); color: var(--ok); }
.st-rejected { background: var(--high-soft); color: var(--high); }

/* Tabs and filters */
.tabs { display: flex; gap: .25rem; border-bottom: 1px solid var(--line); margin-bottom: 1rem; flex-wrap: wrap; }
.tabs a { padding: .5rem .9rem; color: var(--muted); text-decoration: none; border-bottom: 2px solid transparent; margin-bottom: -1px; }
.tabs a.current { color: var(--accent-ink); border-bottom-color: var(--accent); font-weight: 600; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin-bottom: 1rem; }
.filters label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); gap: .2rem; }

/* Forms */
input[type=text], input[type=email], input[type=password], select, textarea {
  font: inherit; color: var(--ink); background: #fff; border: 1px solid #cfd6d3; border-radius: 8px; padding: .5rem .65rem; width: 100%;
}
select { width: auto; min-width: 9rem; }
textarea { min-height: 6rem; resize: vertical; }
textarea.body-editor { min-height: 22rem; font: .9rem/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
input:focus, select:focus, textarea:focus, button:focus-visible, a:focus-visible { outline: 2px solid var(--band); outline-offset: 1px; }
.field { display: flex; flex-direction: column; gap: .3rem; margin-bottom: .8rem; }
.field > span { font-size: .875rem; font-weight: 600; }
.btn { display: inline-block; font: inherit; font-weight: 600; padding: .5rem 1rem; border-radius: 8px; border: 1px solid transparent; cursor: pointer; text-decoration: none; }
.btn-primary { background: var(--accent); color: #fff; }
.btn-primary:hover { background: var(--accent-ink); color: #fff; }
.btn-quiet { background: #fff; border-color: #cfd6d3; color: var(--ink); }
.btn-quiet:hover { background: var(--bg); }
.btn-danger { background: #fff; border-color: #e6b9b0; color: var(--high); }
.btn-danger:hover { background: var(--high-soft); }
.actions { display: flex; flex-direction: column; gap: .75rem; }
.actions form { margin: 0; }
details.action { border: 1px solid var(--line); border-radius: 8px; padding: .6rem .8rem; background: #fff; }
details.action > summary { cursor: pointer; font-weight: 600; }
details.action[open] > summary { margin-bottom: .6rem; }
.row { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
.notice { border-radius: 8px; padding: .6rem .8rem; margin-bottom: 1rem; background: var(--info-soft); color: var(--info); }
.notice.error { background: var(--high-soft); color: var(--high); }

/* Sign-in */
.signin { max-width: 24rem; margin: 8vh auto 0; }
.signin h1 { font-size: 1.35rem; }

/* Inbox */
.inbox { list-style: none; margin: 0; padding: 0; }
.inbox li { border-bottom: 1px solid var(--line); }
.inbox li:last-child { border-bottom: 0; }
.inbox a.item { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: .2rem 1rem; padding: .85rem .25rem; color: inherit; text-decoration: none; }
.inbox a.item:hover { background: var(--bg); }
.item-subject { font-weight: 600; }
.item-meta { color: var(--muted); font-size: .85rem; grid-column: 1; }
.item-state { grid-row: 1 / span 2; grid-column: 2; align-self: center; }
.empty { text-align: center; color: var(--muted); padding: 2.5rem 1rem; }

/* Draft */
.draft-text { font-size: 1rem; }
.draft-text h2 { font-size: 1.25rem; margin-top: .2rem; }
.draft-text h3 { font-size: 1.05rem; margin-top: 1.3rem; color: var(--accent-ink); }
.draft-text h4 { font-size: 1rem; margin-top: 1rem; }
.draft-text ul, .draft-text ol { padding-left: 1.4rem; margin: 0 0 .8rem; }
.draft-text li { margin: .25rem 0; }
.deal-ref { font-size: .85rem; }
.evidence-deal { border-top: 1px solid var(--line); padding: .75rem 0; }
.evidence-deal:first-of-type { border-top: 0; padding-top: 0; }
.evidence-deal h3 { margin-bottom: .3rem; font-size: 1rem; }
.flags { list-style: none; margin: .3rem 0 0; padding: 0; }
.flags li { display: flex; gap: .5rem; align-items: baseline; padding: .25rem 0; font-size: .92rem; }
.flags li a { color: inherit; text-decoration: none; }
.flags li a:hover { color: var(--accent-ink); text-decoration: underline; }
.provenance { display: grid; grid-template-columns: auto minmax(0, 1fr); gap: .2rem .75rem; font-size: .85rem; margin: 0; }
.provenance dt { color: var(--muted); }
.provenance dd { margin: 0; overflow-wrap: anywhere; }
pre.diff { background: #f7f8f7; border: 1px solid var(--line); border-radius: 8px; padding: .6rem; overflow-x: auto; font-size: .8rem; line-height: 1.45; }
.diff .add { color: var(--ok); }
.diff .del { color: var(--high); }
.timeline { list-style: none; padding: 0; margin: 0; }
.timeline li { display: grid; grid-template-columns: 8.5rem minmax(0, 1fr); gap: .75rem; padding: .5rem 0; border-bottom: 1px solid var(--line); font-size: .92rem; }
.timeline li:last-child { border-bottom: 0; }
.timeline .when { color: var(--muted); font-variant-numeric: tabular-nums; }
.timeline li.cited { background: linear-gradient(90deg, var(--warn-soft), transparent 70%); border-radius: 6px; padding-left: .4rem; }
.tag { font-size: .75rem; color: var(--muted); border: 1px solid var(--line); border-radius: 4px; padding: 0 .3rem; margin-right: .3rem; }
.feedback-given { color: var(--ok); font-weight: 600; }

/* Tables */
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .78rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
.md-table { width: auto; min-width: 16rem; margin-bottom: .8rem; }

/* Team */
.reps { list-style: none; margin: 0; padding: 0; }
.rep { border-top: 1px solid var(--line); padding: .9rem 0; display: grid; grid-template-columns: 2.2rem minmax(0, 1fr); gap: .75rem; }
.rep:first-child { border-top: 0; }
.rep-body { display: flex; flex-direction: column; gap: .35rem; min-width: 0; }
.rank { width: 2rem; height: 2rem; border-radius: 50%; background: var(--accent-soft); color: var(--accent-ink); display: flex; align-items: center; justify-content: center; font-weight: 700; }
.rep-head { display: flex; justify-content: space-between; gap: 1rem; flex-wrap: wrap; align-items: baseline; }
.reasons { margin: .2rem 0; padding-left: 1.1rem; color: var(--ink); font-size: .92rem; }
.inspect { margin-top: .2rem; }
.inspect .deal-row { padding: .45rem 0; }

/* Deal lists */
.deal-list { list-style: none; margin: 0; padding: 0; }
.deal-row { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: .2rem 1rem; padding: .7rem 0; border-bottom: 1px solid var(--line); }
.deal-row:last-child { border-bottom: 0; }
.deal-row .deal-name { font-weight: 600; text-decoration: none; }
.deal-row .deal-name:hover { text-decoration: underline; }
.deal-row .why { font-size: .88rem; color: var(--ink); margin-top: .15rem; }
.deal-figs { text-align: right; display: flex; flex-direction: column; font-variant-numeric: tabular-nums; white-space: nowrap; }
.deal-figs .fig { font-weight: 650; }

/* Charts */
.chart { width: 100%; height: auto; display: block; }
.fan-chart { max-width: 54rem; margin: 0 auto; }
.chart text { font-size: 12px; fill: var(--muted); font-family: inherit; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .axis { stroke: #c3cbc8; stroke-width: 1; }
.fan-band { fill: var(--band); fill-opacity: .55; stroke: none; }
.fan-median { fill: none; stroke: var(--accent); stroke-width: 2.5; }
.fan-booked { fill: var(--ink); }
.fan-end { fill: var(--accent); }
.line-target { stroke: var(--high); stroke-width: 1.5; stroke-dasharray: 6 4; }
.line-commit { stroke: var(--info); stroke-width: 1.5; stroke-dasharray: 2 3; }
.chart .line-target-label { fill: var(--high); font-weight: 600; }
.chart .line-commit-label { fill: var(--info); font-weight: 600; }
.chart .end-label { fill: var(--ink); font-variant-numeric: tabular-nums; }
.chart .end-key { fill: var(--muted); font-weight: 600; }
.chart .end-p50 { font-weight: 650; }
.legend { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; font-size: .85rem; color: var(--muted); margin: .5rem 0 0; padding: 0; list-style: none; }
.legend .sw { display: inline-block; width: .9rem; height: .55rem; border-radius: 2px; margin-right: .35rem; vertical-align: middle; }
.sw-band { background: var(--band); }
.sw-median { background: var(--accent); }
.sw-target { background: var(--high); }
.sw-commit { background: var(--info); }
figure { margin: 0; }
.bars { display: flex; flex-direction: column; gap: .55rem; }
.bar-row { display: grid; grid-template-columns: minmax(7rem, 2fr) minmax(4rem, 3fr) minmax(4.5rem, auto); gap: .75rem; align-items: center; }
.bar-label { font-size: .92rem; overflow-wrap: anywhere; }
.bar-note { display: block; font-size: .78rem; color: var(--muted); }
.bar-value { font-size: .9rem; text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
svg.bar { width: 100%; height: .8rem; display: block; border-radius: 3px; overflow: hidden; }
.bar-track { fill: #edf0ee; }
.bar-fill { fill: var(--band); }
.bar-inner { fill: var(--accent); }
.bar-up { fill: var(--accent); }
.bar-down { fill: var(--high); fill-opacity: .75; }
.bar-centre { stroke: #9aa5a1; stroke-width: .6; }
#downside-by-account .bar-fill { fill: #e7a496; }
svg.meter { width: 100%; height: .4rem; display: block; border-radius: 3px; overflow: hidden; }
.meter-track { fill: #e6eae8; }
.meter-fill { fill: var(--accent); }
.meter-over .meter-fill { fill: var(--ok); }
.meter.need .meter-fill { fill: #d98b6f; }
.meter-mark { stroke: var(--ink); stroke-width: 1.2; }
.gauge { font-size: 2rem; font-weight: 650; font-variant-numeric: tabular-nums; }

@media (max-width: 560px) {
  body { font-size: 15px; }
  h1 { font-size: 1.3rem; }
  .top { gap: .4rem .8rem; }
  .who { width: 100%; }
  .bar-row { grid-template-columns: minmax(0, 1fr) auto; }
  .bar-row svg.bar { grid-column: 1 / span 2; grid-row: 2; }
  .timeline li { grid-template-columns: minmax(0, 1fr); gap: .1rem; }
  .stat .v { font-size: 1.25rem; }
  .stats { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  /* At a phone's width the chart is drawn at under half size: keep the lines and the labels
     inside the plot, larger; the legend carries the figures. */
  .fan-chart .y-label, .fan-chart .end-label { display: none; }
  .fan-chart .x-label, .fan-chart .ref-label { font-size: 22px; }
  .who { justify-content: flex-start; }
  .who .signout { margin-left: auto; }
}
"#;
