"""Notices (通知), one module per step:

- compose: a draft read from `通知 …` or the guided form, and its echo;
- send: the confirmed draft becomes a notice, its families and a row per guardian;
- channels: how each guardian is reached (the one place a channel is chosen);
- receipts: 收到 by card or text, 回执, the chase and the next morning's summary;
- recall: 撤回 within 24 hours;
- lists: 我的通知 and 通知列表;
- views: the notice as parents see it, and the lines the sender reads.
"""
