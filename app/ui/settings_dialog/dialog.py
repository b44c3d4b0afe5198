"""The Settings dialog. Values are stored with the app's other settings (app/ui/settings.py).

The data folder is read when the app starts (app/paths.py), so a new one is
written down now and used from the next start; ``SDSIM_DATA_DIR`` overrides it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import paths
from app.model.document import SimulationSettings
from app.model.limits import MAX_WINDOWS
from app.ui.plain_text import PlainLabel, warn
from app.ui.settings import (
    KEY_THEME,
    THEMES,
    app_settings,
    read_run_defaults,
    read_theme,
    write_run_defaults,
)
from app.ui.settings_dialog.theme_choice import apply_theme

THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}
UNITS_TEXT = ("Latencies are shown in milliseconds (ms); durations, windows and simulated "
              "time in seconds (s); rates in requests per second. The app has no unit "
              "switch yet, so there is nothing to choose here.")
DIALOG_WIDTH = 600
#: Longest run offered for new designs: a day of simulated time.
MAX_DURATION_S = 86_400.0


def _seconds_box(parent: QWidget, minimum: float, name: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox(parent)
    box.setObjectName(name)
    box.setDecimals(1)
    box.setRange(minimum, MAX_DURATION_S)
    box.setSuffix(" s")
    return box


class SettingsDialog(QDialog):
    """Edit the preferences; OK stores them (and applies the theme at once)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        settings = app_settings()
        self.theme = QComboBox(self)
        self.theme.setObjectName("settingsTheme")
        for key in THEMES:
            self.theme.addItem(THEME_LABELS[key], key)
        self.theme.setCurrentIndex(THEMES.index(read_theme(settings)))
        defaults = read_run_defaults(settings)
        self.duration = _seconds_box(self, 1.0, "settingsDuration")
        self.warmup = _seconds_box(self, 0.0, "settingsWarmup")
        self.window_s = _seconds_box(self, 0.1, "settingsWindow")
        self.seed = QSpinBox(self)
        self.seed.setObjectName("settingsSeed")
        self.seed.setRange(0, 2**31 - 1)
        self.duration.setValue(defaults.duration_s)
        self.warmup.setValue(defaults.warmup_s)
        self.window_s.setValue(defaults.window_s)
        self.seed.setValue(defaults.seed)
        self.folder = QLineEdit(str(paths.data_dir()), self)
        self.folder.setObjectName("settingsDataFolder")
        self.folder.setReadOnly(True)
        self.folder.setMinimumWidth(380)
        self.open_folder = QPushButton("Open folder", self)
        self.open_folder.setObjectName("settingsOpenFolder")
        self.change_folder = QPushButton("Change…", self)
        self.change_folder.setObjectName("settingsChangeFolder")
        self.default_folder = QPushButton("Use default", self)
        self.default_folder.setObjectName("settingsDefaultFolder")
        self.folder_note = PlainLabel("", self)
        self.folder_note.setObjectName("settingsFolderNote")
        self.folder_note.setWordWrap(True)
        # Imported here: the cloud client brings the storage layer, which the app
        # imports only after the first window shows (tests/ui/test_startup_path.py).
        from app.ui.cloud.server_setting import CloudServerGroup

        self.cloud = CloudServerGroup(settings, self)
        self.problem = PlainLabel("", self)
        self.problem.setObjectName("settingsProblem")
        self.problem.setWordWrap(True)
        #: The folder to use from the next start: unchanged, a path, or "" for the default.
        self.new_folder: str | None = None
        self._layout()
        self._describe_folder()
        self.open_folder.clicked.connect(self.open_data_folder)
        self.change_folder.clicked.connect(self._change_folder)
        self.default_folder.clicked.connect(self._use_default_folder)

    def _layout(self) -> None:
        appearance = QGroupBox("Appearance", self)
        form = QFormLayout(appearance)
        form.addRow("Theme:", self.theme)
        runs = QGroupBox("New designs", self)
        runs_column = QVBoxLayout(runs)
        # Outside the form: a wrapped label in a spanning form row was clipped at its top.
        runs_intro = PlainLabel("Run settings a new blank design starts with. Templates keep "
                                "their own; a design's duration, warm-up and seed are also in "
                                "the scenario bar.", runs)
        runs_intro.setWordWrap(True)
        runs_column.addWidget(runs_intro)
        form = QFormLayout()
        form.addRow("Duration:", self.duration)
        form.addRow("Warm-up (not measured):", self.warmup)
        form.addRow("Metric window:", self.window_s)
        form.addRow("Random seed:", self.seed)
        runs_column.addLayout(form)
        units = QGroupBox("Units", self)
        units_text = PlainLabel(UNITS_TEXT, units)
        units_text.setWordWrap(True)
        QVBoxLayout(units).addWidget(units_text)
        data = QGroupBox("Data folder (projects, runs, settings, logs)", self)
        column = QVBoxLayout(data)
        column.addWidget(self.folder)
        folder_buttons = QHBoxLayout()
        for button in (self.open_folder, self.change_folder, self.default_folder):
            folder_buttons.addWidget(button)
        folder_buttons.addStretch(1)
        column.addLayout(folder_buttons)
        column.addWidget(self.folder_note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for group in (appearance, runs, units, data, self.cloud):
            layout.addWidget(group)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        # One width, and the height for that width: with the width left free, X11 sized the
        # window for the wrapped labels at another width and squashed the spin boxes.
        self.setFixedWidth(DIALOG_WIDTH)
        self.setMinimumHeight(layout.heightForWidth(DIALOG_WIDTH))
        self.adjustSize()

    def _describe_folder(self) -> None:
        if paths.data_dir_from_env():
            self.change_folder.setEnabled(False)
            self.default_folder.setEnabled(False)
            self.folder_note.setText(f"Set by the environment variable {paths.DATA_DIR_ENV}; "
                                     "change or unset that variable to use another folder.")
            return
        chosen = paths.chosen_data_dir()
        self.default_folder.setEnabled(chosen is not None or bool(self.new_folder))
        if self.new_folder is not None:
            where = self.new_folder or "the default folder"
            self.folder_note.setText(f"From the next start the app uses {where}. What is in "
                                     "the current folder stays there (copy it over yourself).")
        else:
            self.folder_note.setText("A new folder takes effect after a restart.")

    def ask_folder(self) -> str | None:
        """Ask for the new data folder (tests answer instead)."""
        name = QFileDialog.getExistingDirectory(self, "Data folder", self.folder.text())
        return name or None

    def _change_folder(self) -> None:
        name = self.ask_folder()
        if name is None:
            return
        self.new_folder = name
        self._describe_folder()

    def _use_default_folder(self) -> None:
        self.new_folder = ""
        self._describe_folder()

    def open_data_folder(self) -> bool:
        """Show the data folder in the file manager."""
        return QDesktopServices.openUrl(QUrl.fromLocalFile(self.folder.text()))

    def run_defaults(self) -> SimulationSettings:
        """The run settings as entered."""
        return SimulationSettings(duration_s=self.duration.value(), warmup_s=self.warmup.value(),
                                  seed=self.seed.value(), window_s=self.window_s.value())

    def check(self) -> str:
        """Why the entered values cannot be kept ("" when they can)."""
        sim = self.run_defaults()
        if sim.warmup_s >= sim.duration_s:
            return "The warm-up must be shorter than the duration."
        if sim.window_s > sim.duration_s:
            return "The metric window must not be longer than the duration."
        if sim.duration_s / sim.window_s > MAX_WINDOWS:
            return f"That gives more than {MAX_WINDOWS:,} metric windows: use a longer window."
        return self.cloud.problem()

    def accept(self) -> None:
        """Store the values, apply the theme, write down a new data folder; stay on a problem."""
        problem = self.check()
        self.problem.setText(problem)
        if problem:  # grow to show it (the height was fitted to the width without it)
            layout = self.layout()
            if layout is not None:
                self.setMinimumHeight(layout.heightForWidth(DIALOG_WIDTH))
            self.adjustSize()
            return
        if self.new_folder is not None:
            try:
                paths.choose_data_dir(Path(self.new_folder) if self.new_folder else None)
            except OSError as exc:
                warn(self, "Data folder", f"The new data folder could not be written down: {exc}")
                return
        settings = app_settings()
        choice = str(self.theme.currentData())
        settings.setValue(KEY_THEME, choice)
        write_run_defaults(settings, self.run_defaults())
        self.cloud.store(settings)
        settings.sync()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, choice)
        super().accept()
