from django.urls import path

from . import views

app_name = "energy"
urlpatterns = [
    path("c/<slug:slug>/energy/", views.overview, name="overview"),
    path("c/<slug:slug>/energy/meters/new/", views.meter_create, name="meter_create"),
    path("c/<slug:slug>/energy/import/", views.import_readings, name="import"),
    path("c/<slug:slug>/pv/", views.pv_page, name="pv"),
    path("energy/imports/<int:pk>/", views.batch_detail, name="batch"),
]
