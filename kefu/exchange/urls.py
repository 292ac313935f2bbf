from django.urls import path

from kefu.exchange import views

app_name = "exchange"

urlpatterns = [
    path("exchange/freeze/", views.freeze_form, name="freeze-form"),
    path("exchange/freeze/code", views.freeze_code, name="freeze-code"),
    path("exchange/freeze/confirm/<str:token>", views.freeze_confirm_link, name="freeze-confirm"),
    path("exchange/freeze/<str:token>", views.freeze_email_link, name="freeze-link"),
    path("exchange/verify/<str:token>", views.verify_link, name="verify-link"),
    path("exchange/widget/state", views.widget_state, name="widget-state"),
    path("exchange/widget/check", views.widget_check, name="widget-check"),
    path("exchange/widget/cases", views.widget_open_case, name="widget-cases"),
    path("exchange/widget/cases/<int:case_id>/reply", views.widget_case_reply, name="widget-case-reply"),
    path("exchange/widget/verify/<int:verification_id>", views.widget_verify, name="widget-verify"),
    path("exchange/widget/freeze", views.widget_freeze, name="widget-freeze"),
    path("exchange/console/cases", views.console_cases, name="cases"),
    path("exchange/console/c/<int:conversation_id>/panel", views.console_panel, name="panel"),
    path("exchange/console/c/<int:conversation_id>/action", views.console_action, name="panel-action"),
    path("help/cases/s/<str:token>", views.help_case_status, name="help-case-status"),
    path("help/cases/<str:kind>", views.help_case_form, name="help-case-form"),
]
