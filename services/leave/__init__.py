"""The leave lifecycle, one module per step:

- `desk`: the unit of work's context (`LeaveDesk`), who approves a leave and who may decide it;
- `submit`: a draft checked, counted and routed (`assess`), then stored and sent (`submit`);
- `cards`: the approvers' cards, sent to a tier and closed;
- `decide`: 批准 / 驳回, the first decision wins; 补假 voids 旷课 already recorded;
- `withdraw`: the parent's 撤销;
- `passes`: the 放行码 (issued on approval) and the gate's check, exit and return;
- `temporary`: the 班主任's in-school 临时请假;
- `closing`: the leave ends (返校 at the gate, 销假 by the 班主任), an early return shortens it;
- `views`: how a leave reads in text.
"""
