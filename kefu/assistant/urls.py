from django.urls import path

from kefu.assistant import views

app_name = "assistant"

urlpatterns = [
    path("widget/suggest", views.suggest, name="suggest"),
    path("widget/feedback", views.feedback, name="feedback"),
    path("widget/choose", views.choose, name="choose"),
    path("gaps/", views.gap_list, name="gaps"),
    path("gaps/<int:gap_id>/attach", views.gap_attach, name="gap-attach"),
    path("gaps/<int:gap_id>/dismiss", views.gap_dismiss, name="gap-dismiss"),
]
