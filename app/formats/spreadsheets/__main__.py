"""``python -m app.formats.spreadsheets [PATH]``: regenerate the template workbook."""

import sys

from app.formats.spreadsheets.template import write_template
from app.samples import template_workbook

target = sys.argv[1] if len(sys.argv) > 1 else str(template_workbook())
write_template(target)
print(target)
