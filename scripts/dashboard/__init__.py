"""The sales dashboard: one self-contained offline HTML page per language plus the same charts as PNG,
built from the serving file only (opened read-only). See docs/dashboard.md.

Modules: `panels` (which KPI view and columns feed which chart: the one place to adapt when a view
changes), `data` (read-only access to the serving file), `i18n` (labels and locale formatting), `charts`
(Altair / Vega-Lite charts), `render` (HTML and PNG), `install` (the atomic folder swap), `cli`
(`python -m scripts.dashboard`).
"""
