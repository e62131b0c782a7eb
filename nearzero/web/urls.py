from django.urls import path

from nearzero.engagement.views import my_home

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.dashboard, name="dashboard"),
    path("c/<slug:slug>/screen/", views.screen, name="screen"),
    path("c/<slug:slug>/screen.json", views.screen_data, name="screen_data"),
    path("me/", my_home, name="me"),
    path("healthz", views.healthz, name="healthz"),
]
