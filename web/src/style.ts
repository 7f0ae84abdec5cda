// The widget's look, inside its shadow root: a page's CSS does not leak in, and the embedder
// restyles it through ::part(container | badge | details | neutral | name) and the custom
// properties below.
export const STYLE = `
:host { display: inline-block; font: 13px/1.4 system-ui, "PingFang SC", "Microsoft YaHei",
  "WenQuanYi Micro Hei", sans-serif; color: var(--tb-color, #1f2328); }
.tb { display: inline-flex; flex-wrap: wrap; align-items: center; gap: 4px; position: relative; }
.list { display: contents; list-style: none; margin: 0; padding: 0; }
.list li { display: inline-flex; }
.badges { display: inline-flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.badge { display: inline-flex; align-items: center; gap: 3px; border: 1px solid transparent;
  border-radius: 4px; padding: 1px 6px; font: inherit; cursor: pointer; color: #fff;
  background: var(--tb-accent, #d4380d); }
.badge:focus-visible { outline: 2px solid var(--tb-focus, #1677ff); outline-offset: 2px; }
.badge--TRUST_PURCHASE { background: var(--tb-trust, #d4380d); }
.badge--QUALITY_MERCHANT { background: var(--tb-quality, #c41d7f); }
.badge--OFFICIAL_AUTHENTICITY { background: var(--tb-official, #0958d9); }
.mark { font-weight: 700; }
.neutral { color: var(--tb-muted, #6e7781); }
.details { position: absolute; z-index: 10; top: calc(100% + 4px); left: 0; min-width: 200px;
  max-width: 320px; padding: 8px 10px; border-radius: 6px; background: #fff; color: #1f2328;
  box-shadow: 0 4px 16px rgba(0,0,0,.18); border: 1px solid #d0d7de; }
.details[hidden] { display: none; }
.details p { margin: 0 0 4px; font-weight: 600; }
.reasons { margin: 0; padding-left: 18px; }
.grace { color: #ad6800; }
.since-inline { opacity: .85; font-size: 12px; margin-left: 4px; }
.name { font-weight: 600; margin-right: 6px; }
.prefix { color: var(--tb-muted, #6e7781); margin-right: 4px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
.tb--live-room { background: rgba(0,0,0,.45); border-radius: 999px; padding: 3px 8px; }
.tb--live-room .badge { border-radius: 999px; font-size: 12px; padding: 0 8px; }
.tb--live-room .neutral { color: #f0f0f0; }
.tb--product-card .badge { font-size: 11px; padding: 0 4px; }
.tb--product-page { font-size: 14px; }
.tb--product-page .badge { padding: 3px 10px; }
.tb--order { font-size: 12px; }
.tb--order .badge { background: transparent; color: var(--tb-accent, #d4380d);
  border-color: currentColor; }
`;
