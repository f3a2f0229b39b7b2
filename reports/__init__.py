"""The exports the office and the 教体局 ask for: attendance and leave workbooks, dropout reports.

Each export is one async function taking the database, the config, the school, its
parameters and a destination (a path, written atomically, or a binary stream such as a web
response's body), and the actor and the time for the audit log. The CLI (`qingjia report …`)
only parses arguments and calls them; the staff console calls the same functions.
"""
