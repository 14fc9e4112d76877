"""Read raw rows out of the files shops get: xlsx/xlsm, legacy xls, HTML-table "xls", CSV/TSV/TXT.

The file type comes from the first bytes, never from the extension (platform exports often call
an HTML table or a CSV `.xls`). Workbooks are checked before parsing: zip bombs, XML entity
declarations and encrypted packages are refused. Rows come out as lists of plain values (str,
float, datetime, None), indexed as the owner sees them: row 0 is the sheet's first row.
The preview streams the first rows of an xlsx sheet itself (milliseconds, where openpyxl's
read-only mode first loads every shared string); the import reads whole sheets with python-calamine,
several times faster than openpyxl.

One module per format: `detect` (file type, workbook safety), `cells`, `workbook`, `xlsx_preview`,
`html_tables`, `delimited`. Callers import `readers` and use the names below.
"""

from cxdesk.core.importers.readers.cells import ERROR_VALUES, cell_text
from cxdesk.core.importers.readers.delimited import (MAX_FIELD, CsvRows, LineRecords, UnclosedQuoteError,
                                                     decode_whole, file_lines_are_rows, holds_row_like_lines,
                                                     lines_are_rows, swallowed_lines, unclosed_quote_error)
from cxdesk.core.importers.readers.detect import (MAX_RATIO, MAX_UNCOMPRESSED, OLE_MAGIC, RATIO_CHECK_ABOVE,
                                                  ZIP_MAGIC, FileFacts, detect_file, utf32_without_bom)
from cxdesk.core.importers.readers.html_tables import parse_html_tables
from cxdesk.core.importers.readers.workbook import (SheetInfo, SheetRows, count_formulas_without_values,
                                                    exact_number_texts, iter_workbook_rows, workbook_sheets)

__all__ = [
    "ERROR_VALUES", "MAX_FIELD", "MAX_RATIO", "MAX_UNCOMPRESSED", "OLE_MAGIC", "RATIO_CHECK_ABOVE", "ZIP_MAGIC",
    "CsvRows", "FileFacts", "LineRecords", "SheetInfo", "SheetRows", "UnclosedQuoteError", "cell_text",
    "count_formulas_without_values", "decode_whole", "detect_file", "exact_number_texts", "file_lines_are_rows",
    "holds_row_like_lines", "iter_workbook_rows", "lines_are_rows", "parse_html_tables", "swallowed_lines",
    "unclosed_quote_error", "utf32_without_bom", "workbook_sheets",
]
