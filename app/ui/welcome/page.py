"""The welcome page: what the app is, the templates, the bottleneck sample, the tour."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from app.ui.plain_text import PlainLabel
from app.ui.template_gallery import PREVIEW_SIZE, TemplateGallery

#: The template that shows a bottleneck (resources/templates/bottleneck_busy_database.sdsim).
SAMPLE_KEY = "bottleneck_busy_database"

#: What the page asks for when it closes (``WelcomePage.choice``).
CREATE, TOUR, GUIDE, CLOSE = "create", "tour", "guide", "close"

INTRO = (
    "Design a system on the canvas, run it, and watch where it gets slow. "
    "Drag components from the palette, connect them, press Run (F5) and read the "
    "charts. New here? Start with the sample: a design with a bottleneck to find "
    "and fix."
)


class WelcomePage(TemplateGallery):
    """The template gallery with a welcome above it and first-run buttons below.

    It is the gallery itself (one template list, one loader): "Create" makes
    the selected template, the sample button makes :data:`SAMPLE_KEY`. After
    it closes, :attr:`choice` says which of :data:`CREATE`, :data:`TOUR`,
    :data:`GUIDE` or :data:`CLOSE` the user asked for.
    """

    def __init__(self, parent: QWidget | None = None, *, show_at_start: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        self.setWindowTitle("Welcome to System Design Simulator")
        self.choice = CLOSE
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        title = PlainLabel("Welcome", self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        intro = PlainLabel(INTRO, self)
        intro.setWordWrap(True)
        self.sample_button = QPushButton("Start with a sample that shows a bottleneck", self)
        self.sample_button.setObjectName("welcomeSample")
        self.tour_button = QPushButton("Take the tour", self)
        self.tour_button.setObjectName("welcomeTour")
        self.guide_button = QPushButton("Read the user guide", self)
        self.guide_button.setObjectName("welcomeGuide")
        for button in (self.sample_button, self.tour_button, self.guide_button):
            button.setAutoDefault(False)  # Return creates the selected entry, as in the gallery
        row = QHBoxLayout()
        row.addWidget(self.sample_button)
        row.addWidget(self.tour_button)
        row.addWidget(self.guide_button)
        row.addStretch(1)
        for index, item in enumerate((title, intro)):
            layout.insertWidget(index, item)
        layout.insertLayout(2, row)
        self.at_start = QCheckBox("Show this page every time the app starts", self)
        self.at_start.setObjectName("welcomeAtStart")
        self.at_start.setChecked(show_at_start)
        layout.insertWidget(layout.count() - 1, self.at_start)
        self.sample_button.clicked.connect(self._sample)
        self.tour_button.clicked.connect(lambda: self._finish(TOUR))
        self.guide_button.clicked.connect(lambda: self._finish(GUIDE))
        self.accepted.connect(self._created)
        self.select(SAMPLE_KEY)  # selected first: Create (or Return) makes the sample too
        # A row and a half of previews (the list scrolls): with the gallery's two rows plus
        # the welcome above them, the page needed ~800 px and a 768 px screen squeezed the
        # description over the previews.
        preview_row = PREVIEW_SIZE.height() + 44
        self.list.setMinimumHeight(preview_row + preview_row // 2 + 10)
        self.description.setMinimumHeight(3 * self.description.fontMetrics().lineSpacing() + 4)

    def _sample(self) -> None:
        self.select(SAMPLE_KEY)
        self.accept()

    def _created(self) -> None:
        if self.choice == CLOSE:
            self.choice = CREATE

    def _finish(self, choice: str) -> None:
        self.choice = choice
        self.reject()  # nothing is created
