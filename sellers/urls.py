from django.urls import path

from sellers import views

app_name = "sellers"

urlpatterns = [
    path("me/level/", views.dashboard, name="dashboard"),
    path("me/level/exclusions/", views.exclusion_requests, name="exclusion_requests"),
    path("me/level/exclusions/new/", views.exclusion_request_new, name="exclusion_request_new"),
    path("help/levels/", views.level_help, name="level_help"),
]
