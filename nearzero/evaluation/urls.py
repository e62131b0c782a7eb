from django.urls import include, path

from . import views

app_name = "evaluation"

_assessment = "c/<slug:slug>/evaluation/<str:standard_id>/<int:year>/"
urlpatterns = [
    path("c/<slug:slug>/evaluation/", views.index, name="index"),
    path("c/<slug:slug>/evaluation/plan/", views.plan, name="plan"),
    path("c/<slug:slug>/evaluation/plan/task/<int:pk>/", views.task_status, name="task_status"),
    path("c/<slug:slug>/evaluation/minutes/<int:pk>/", views.minutes_file, name="minutes_file"),
    path(_assessment, views.assessment, name="assessment"),
    path(_assessment + "start/", views.start, name="start"),
    path(_assessment + "value/", views.enter_value, name="enter_value"),
    path(_assessment + "evidence/", views.add_evidence, name="add_evidence"),
    path(_assessment + "submit/", views.submit, name="submit"),
    path(_assessment + "reopen/", views.reopen, name="reopen"),
    path("evaluation/submissions/<int:pk>/", views.submission, name="submission"),
    path("evaluation/evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("evaluation/standards/", views.standards, name="standards"),
    path("evaluation/standards/<str:standard_id>/", views.standard, name="standard"),
    path("evaluation/", include("nearzero.evaluation.urls_district")),
]
