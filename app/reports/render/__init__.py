"""The report renderer: the one place reports draw with Qt (PDF via QPdfWriter, PNG via QImage).

The rest of :mod:`app.reports` is Qt-free and reads the run; an import-linter
contract in pyproject.toml keeps it so and allows only this package to import
Qt and the canvas (to draw the diagram with the canvas's own scene).
"""
