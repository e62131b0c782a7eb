from django.urls import path

from . import views

app_name = "points"
urlpatterns = [
    path("c/<slug:slug>/points/", views.overview, name="overview"),
    path("c/<slug:slug>/points/rules/", views.rules, name="rules"),
    path("c/<slug:slug>/points/rules/defaults/", views.rules_defaults, name="rules_defaults"),
    path("c/<slug:slug>/points/rewards/", views.rewards, name="rewards"),
    path("c/<slug:slug>/points/orders/", views.orders, name="orders"),
    path("c/<slug:slug>/points/orders/new/", views.order_create, name="order_create"),
    path("c/<slug:slug>/points/fund/", views.fund, name="fund"),
    path("c/<slug:slug>/points/leaderboard/", views.leaderboard, name="leaderboard"),
    path("points/residents/<int:pk>/", views.account, name="account"),
    path("points/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("points/rewards/<int:pk>/", views.reward_edit, name="reward_edit"),
    path("points/orders/<int:pk>/collect/", views.order_collect, name="order_collect"),
    path("points/orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("me/points/", views.my_points, name="my_points"),
    path("me/points/rewards/", views.my_rewards, name="my_rewards"),
    path("me/points/rewards/<int:pk>/reserve/", views.my_reserve, name="my_reserve"),
    path("me/points/orders/", views.my_orders, name="my_orders"),
    path("me/points/orders/<int:pk>/cancel/", views.my_cancel, name="my_cancel"),
    path("me/points/leaderboard/", views.my_leaderboard, name="my_leaderboard"),
    path("me/points/leaderboard/visibility/", views.my_visibility, name="my_visibility"),
]
