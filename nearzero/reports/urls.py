from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("c/<slug:slug>/", views.index, name="index"),
    path(
        "c/<slug:slug>/acceptance/<str:standard_id>/<int:year>.<str:fmt>",
        views.acceptance,
        name="acceptance",
    ),
    path("c/<slug:slug>/annual/<int:year>.pdf", views.annual, name="annual"),
    path("c/<slug:slug>/workbook/<str:kind>/<int:year>.xlsx", views.workbook, name="workbook"),
]
