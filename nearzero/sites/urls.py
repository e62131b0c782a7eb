from django.urls import path

from . import views

app_name = "sites"
urlpatterns = [
    path("regions/", views.region_list, name="region_list"),
    path("regions/new/", views.region_create, name="region_create"),
    path("regions/<int:pk>/edit/", views.region_edit, name="region_edit"),
    path("communities/", views.community_list, name="community_list"),
    path("communities/new/", views.community_create, name="community_create"),
    path("c/<slug:slug>/about/", views.community_detail, name="community_detail"),
    path("c/<slug:slug>/edit/", views.community_edit, name="community_edit"),
    path("c/<slug:slug>/map/", views.community_map, name="community_map"),
    path("c/<slug:slug>/map.geojson", views.community_map_geojson, name="community_map_geojson"),
    path("c/<slug:slug>/sites/new/", views.site_create, name="site_create"),
    path("sites/<int:pk>/", views.site_detail, name="site_detail"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
]
