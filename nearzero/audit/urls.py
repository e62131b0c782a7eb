from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [path("audit/", views.entry_list, name="entry_list")]
