from django.urls import path

from conversations import views

app_name = "conversations"

urlpatterns = [
    path("", views.inquiries_sent, name="sent"),
    path("inbox/", views.inbox, name="inbox"),
    path("new/<int:service_pk>/", views.inquiry_start, name="start"),
    path("<int:pk>/", views.inquiry_detail, name="detail"),
]
