from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.dashboard, name="dashboard"),
    path("me/", views.me, name="me"),
    path("healthz", views.healthz, name="healthz"),
]
