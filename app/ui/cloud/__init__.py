"""Cloud sync in the main window: the sign-in dialog, the status indicator, the controller.

The network side is Qt-free (``app.cloud.client``); this package runs it off
the GUI thread and shows its state. See docs/cloud.md.
"""
