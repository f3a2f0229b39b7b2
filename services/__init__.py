"""Operations that chat handlers, scheduled jobs and web pages share.

A service takes the unit of work's context (`services.leave.desk.LeaveDesk`: config, repositories,
the Notifier, the time) and plain values, changes state compare-and-set, queues notices to other
people, and answers in words the caller shows as they are. It parses nothing a user typed and
knows no transport: handlers parse chat, pages parse forms, both call the same functions here.
"""
