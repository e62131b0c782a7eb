from django.urls import path

from . import views

app_name = "inventory"
urlpatterns = [
    path("c/<slug:slug>/inventories/", views.inventory_list, name="list"),
    path("c/<slug:slug>/inventories/new/", views.inventory_create, name="create"),
    path("c/<slug:slug>/factors/new/", views.factor_create, name="factor_create"),
    path("inventories/<int:pk>/", views.inventory_detail, name="detail"),
    path("inventories/<int:pk>/activities/", views.activity_list, name="activities"),
    path("inventories/<int:pk>/import/", views.import_file, name="import"),
    path("inventories/<int:pk>/template.xlsx", views.template_xlsx, name="template"),
    path("inventories/<int:pk>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("inventories/<int:pk>/report.json", views.export_json, name="export_json"),
    path("inventories/<int:pk>/factor-set/", views.factor_set_change, name="factor_set"),
    path("inventories/<int:pk>/completeness/", views.notations, name="notations"),
    path("inventories/<int:pk>/sinks-offsets/", views.sinks_offsets, name="sinks_offsets"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("factors/", views.factor_list, name="factors"),
]
