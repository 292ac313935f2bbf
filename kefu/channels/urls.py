from django.urls import path

from kefu.channels import views

app_name = "channels"

urlpatterns = [
    path("telegram/<str:key>/webhook", views.telegram_webhook, name="telegram-webhook"),
    path("webhook/<str:key>/events", views.webhook_events, name="webhook-events"),
    path("deliveries/<int:delivery_id>/retry", views.retry_delivery, name="delivery-retry"),
]
