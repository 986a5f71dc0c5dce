from django.urls import path

from levels import views

app_name = "levels_staff"

urlpatterns = [
    path("policy-whatif/", views.policy_whatif, name="policy_whatif"),
]
