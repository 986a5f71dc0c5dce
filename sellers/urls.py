from django.urls import path

from sellers import views

app_name = "sellers"

urlpatterns = [
    path("me/level/", views.dashboard, name="dashboard"),
    path("help/levels/", views.level_help, name="level_help"),
]
