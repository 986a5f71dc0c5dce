from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.purchases, name="purchases"),
    path("sales/", views.sales, name="sales"),
    path("place/<int:service_pk>/", views.order_place, name="place"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/deliver/", views.order_deliver, name="deliver"),
    path("<int:pk>/complete/", views.order_complete, name="complete"),
    path("<int:pk>/cancel/", views.order_cancel, name="cancel"),
    path("<int:pk>/review/", views.review_create, name="review"),
]
