from django.urls import path

from kefu.webhooks.anti_phishing import anti_phishing_code

urlpatterns = [
    path("widget/api/anti-phishing-code", anti_phishing_code, name="widget-anti-phishing-code"),
]
