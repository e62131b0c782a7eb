from django.urls import path

from . import views

app_name = "circle"
urlpatterns = [
    path("c/<slug:slug>/circle/", views.overview, name="overview"),
    path("c/<slug:slug>/circle/map.json", views.map_data, name="map_data"),
    path("c/<slug:slug>/circle/streets.json", views.streets, name="streets"),
    path("c/<slug:slug>/circle/inputs/", views.manage, name="manage"),
    path("c/<slug:slug>/circle/inputs/network/", views.import_network, name="import_network"),
    path("c/<slug:slug>/circle/inputs/homes/", views.import_homes, name="import_homes"),
    path("c/<slug:slug>/circle/inputs/homes/clear/", views.clear_homes, name="clear_homes"),
    path("c/<slug:slug>/circle/inputs/settings/", views.update_settings, name="settings"),
    path("c/<slug:slug>/circle/siting/", views.siting, name="siting"),
]
