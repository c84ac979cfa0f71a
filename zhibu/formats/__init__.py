"""Project format overrides (FORMAT_MODULE_PATH): dates in forms are written ISO first.

Browsers only accept `YYYY-MM-DD` as the value of an `<input type="date">`; Django's zh_Hans formats put
`%Y/%m/%d` first, which left every date field empty for a Chinese browser. Parsing still accepts all forms.
"""
