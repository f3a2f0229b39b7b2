"""What the bot says when it has nothing specific to say: refusals and help, by role."""

from __future__ import annotations

from collections.abc import Sequence

NOT_IN_ROSTER = (
    "您好！您还不在本校的名册中，暂时无法使用请假通。\n如需使用，请联系学校的学籍管理员。"
)
FORBIDDEN = "抱歉，这项操作不在您的权限范围内。发送「帮助」可查看您能办理的事项。"
SYSTEM_ERROR = "抱歉，系统暂时出了点问题，您的消息已记录，请稍后再试或联系学校。"
UNSUPPORTED_MESSAGE = "暂时只能识别文字消息（办理请假时也可发送诊断书照片）。发送「帮助」查看用法。"
CANCELLED = "已取消。"
NOTHING_TO_CANCEL = "当前没有进行中的操作。发送「帮助」查看用法。"

NOTICE_HELP = ("通知 范围 内容 [定时 明天07:30]：发通知（范围：本班、班级、年级、全校）\n"
               "回执 编号 / 提醒 编号 / 撤回 编号 / 通知列表")
URGENT_HELP = "\n通知 紧急 范围 内容：紧急通知（休息时间也立即发送）"
NOTICE_SENDERS = ("政教处", "校长")

# Role → (one-line summary, full help). Shown in this order to a user with many roles: 家长,
# 班主任, the approvers of the config's tiers (e.g. 教导处), the alert-only roles, 门卫, 管理员.
APPROVER_HELP = ("审批请假", "【{role}】\n待审批：查看待审批的请假\n"
                 "批准 单号 / 驳回 单号 理由\n查看 单号：详情和记录")
ROLE_HELP: dict[str, tuple[str, str]] = {
    "家长": ("请假、查看和撤销请假", "【家长】\n请假：发送「请假」按提示办理，或一句话"
           "「请假 张小明 明天 病假 发烧」\n我的请假：查看请假记录\n撤销 单号：撤销未开始的请假\n"
           "收到 / 收到 通知编号：确认收到学校通知\n我的通知：最近30天的通知\n"
           "需要复课证明时：直接发送证明照片"),
    "班主任": ("审批请假、临时请假、销假、考勤、发通知", "【班主任】\n待审批：查看待审批的请假\n"
             "批准 单号 / 驳回 单号 理由\n查看 单号：详情和记录\n"
             "临时请假 学生 事由 [至 16:00] [已电话]\n销假 学生或单号\n"
             "考勤 [昨天] 全勤 / 考勤 [昨天] 缺勤 学生 [上午|下午]\n"
             "家访 学生 情况 / 家访 学生 电话 结果\n"
             "劝返 学生 情况 / 去向 学生 情况（控辍保学个案）\n"
             "考勤 缺勤 张小明(发热、咳嗽)：因病缺课带症状（不写原因会逐人询问 病/事/不明）；"
             "诊断 学生 诊断结果\n" + NOTICE_HELP),
}
# Built-in roles that approve only where the tiers name them; otherwise they receive alerts.
ALERT_HELP: dict[str, tuple[str, str]] = {
    "政教处": ("接收考勤和旷课提醒", "【政教处】\n接收考勤未上报、连续旷课、病事假累计过长和"
             "门卫输错放行码的提醒。"),
    "校长": ("接收辍学预警", "【校长】\n接收辍学预警和辍学报告草稿。"),
}
# 控辍保学 commands, added to the role's help whether it approves or only receives alerts.
CASE_HELP = {
    "政教处": "劝返 学生 情况 / 去向 学生 情况（控辍保学个案）",
    "校长": "休学 学生 开始日期 至 结束日期 事由\n劝返 学生 情况 / 去向 学生 情况（控辍保学个案）",
}
DUTY_HELP: dict[str, tuple[str, str]] = {
    "门卫": ("核验放行码", "【门卫】\n直接发送放行码，或「核验 放行码」\n放行 放行码：登记离校\n"
           "返校 放行码：登记返校"),
    "校医": ("接收因病缺课日报和聚集预警", "【校医】\n每个上课日上午收到全校因病缺课日报"
           "（含零报告和未上报的班级）；同班同症状聚集时立即收到预警。\n"
           "诊断 学生 诊断结果：登记诊断\n复课 学生 确认：确认家长发来的复课证明"),
    "管理员": ("名册与报表", "【管理员】\n名册导入、校历和报表请在管理端办理（qingjia 命令）。"),
}


def help_for(roles: frozenset[str], approvers: Sequence[str], *, short: bool = False) -> str:
    """Help for exactly the roles a user holds; `short` for an unrecognised message.

    `approvers`: the roles the config's approval tiers name, each helped as an approver.
    """
    entries = dict(ROLE_HELP)
    for role in approvers:
        entries.setdefault(role, (APPROVER_HELP[0], APPROVER_HELP[1].format(role=role)))
    for table in (ALERT_HELP, DUTY_HELP):
        for role, entry in table.items():
            entries.setdefault(role, entry)
    for role in NOTICE_SENDERS:  # 政教处 and 校长 send notices, as approvers or not
        summary, full = entries.get(role, ("", ""))
        if summary and NOTICE_HELP not in full:
            entries[role] = (summary + "、发通知", full + "\n" + NOTICE_HELP + URGENT_HELP)
    held = [role for role in entries if role in roles]
    if short:
        lines = [f"· {role}：{entries[role][0]}" for role in held]
        return "没看懂这条消息。您可以办理：\n" + "\n".join(lines) + "\n发送「帮助」查看详细用法。"
    details = "\n\n".join(entries[role][1] + (f"\n{CASE_HELP[role]}" if role in CASE_HELP else "")
                          for role in held)
    return details + "\n\n任何时候发送「取消」可退出当前操作。"
