"""Who may write, approve and cancel a warning.

Authors (alert_author) draft and submit their own warnings; approvers (alert_approver) approve
anyone's but their own: the two-person rule, also held by a database constraint. A Cancel is one
click for the warning's author or any approver. Both roles see drafts and delivery counts.
"""

from jaki.accounts.models import Role
from jaki.accounts.permissions import has_role, role_required

AUTHOR = Role.ALERT_AUTHOR
APPROVER = Role.ALERT_APPROVER

IsAlertAuthor = role_required(AUTHOR)
IsAlertOfficer = role_required(AUTHOR, APPROVER)


def is_alert_officer(user) -> bool:
    return has_role(user, AUTHOR) or has_role(user, APPROVER)


def can_draft(user) -> bool:
    return has_role(user, AUTHOR)


def can_submit(user, alert) -> bool:
    return has_role(user, AUTHOR) and alert.author_id == user.pk


def can_approve(user, alert) -> bool:
    return has_role(user, APPROVER) and alert.author_id != user.pk


def can_cancel(user, alert) -> bool:
    return has_role(user, APPROVER) or (has_role(user, AUTHOR) and alert.author_id == user.pk)
