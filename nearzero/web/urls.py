from django.urls import path

from nearzero.engagement.views import my_home

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.dashboard, name="dashboard"),
    path("me/", my_home, name="me"),
    path("healthz", views.healthz, name="healthz"),
]
