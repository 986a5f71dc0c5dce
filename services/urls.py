from django.urls import path

from services import views

app_name = "services"

urlpatterns = [
    path("", views.service_list, name="list"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path("services/<int:pk>/", views.service_detail, name="detail"),
    path("profiles/<str:username>/", views.seller_detail, name="seller"),
    path("my/services/", views.my_services, name="mine"),
    path("my/services/new/", views.service_create, name="create"),
    path("my/services/<int:pk>/edit/", views.service_edit, name="edit"),
    path("my/services/<int:pk>/pause/", views.service_pause, name="pause"),
    path("my/services/<int:pk>/activate/", views.service_activate, name="activate"),
]
