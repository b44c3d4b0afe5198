"""Everything Qt: the main window, canvas, palette, inspector, charts and dialogs."""
