"""The district pages, included by ``urls.py`` under ``evaluation/`` (namespace
"evaluation")."""

from django.urls import path

from . import views_district

urlpatterns = [
    path("district/", views_district.district_overview, name="district"),
    path("compare/", views_district.compare, name="compare"),
]
