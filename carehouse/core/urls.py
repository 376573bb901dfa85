from __future__ import annotations

from django.urls import path

from carehouse.core.views import admin, auth, jobs, notifications, start, tokens

app_name = "core"

urlpatterns = [
    path("", start.home, name="home"),
    path("start", start.start, name="start"),
    path("accessibility", start.accessibility, name="accessibility"),
    path("privacy", start.privacy, name="privacy"),
    path("login", auth.login_view, name="login"),
    path("login/security-code", auth.verify_view, name="verify"),
    path("logout", auth.logout_view, name="logout"),
    path("choose-role", auth.choose_role_view, name="choose_role"),
    path("account", auth.account_view, name="account"),
    path("account/two-factor", auth.two_factor_view, name="two_factor"),
    path("notifications", notifications.notifications, name="notifications"),
    path("notifications/read", notifications.mark_all_read, name="notifications_read"),
    path("account/api-tokens", tokens.api_tokens, name="api_tokens"),
    path("account/api-tokens/<int:token_id>/revoke", tokens.revoke_api_token, name="revoke_api_token"),
    path("admin/organisations", admin.organisations, name="organisations"),
    path("admin/organisations/add", admin.add_organisation, name="add_organisation"),
    path("admin/users", admin.users, name="users"),
    path("admin/users/add", admin.add_user, name="add_user"),
    path("admin/audit", admin.audit_log, name="audit_log"),
    path("admin/jobs", jobs.jobs, name="jobs"),
    path("admin/jobs/verify-audit", jobs.start_audit_verification, name="start_audit_verification"),
    path("admin/jobs/<uuid:job_id>", jobs.job, name="job"),
]
