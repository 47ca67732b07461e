"""Complaints API (mobile app and staff): mounted at /api/v1/complaints/.

Views (views.py) are thin: they validate, call a selector or a service of complaints/, and
serialize with the plain Serializers of outputs.py. Who may see a complaint is
`selectors.complaint_visible`'s answer (others get a 404, so ids cannot be probed); who may move
it is the service's. The reporter's identity (their user, name, phone, contact) is in no output.
"""

from django.urls import path

from complaints.api.views import (
    CategoryListView,
    CommentView,
    ComplaintDetailView,
    ComplaintListView,
    MineView,
    RatingView,
    ReopenView,
    SimilarView,
    SupportView,
    TransitionView,
)

urlpatterns = [
    path("", ComplaintListView.as_view(), name="complaint-list"),
    path("categories/", CategoryListView.as_view(), name="complaint-categories"),
    path("similar/", SimilarView.as_view(), name="complaint-similar"),
    path("mine/", MineView.as_view(), name="complaint-mine"),
    path("<str:complaint_id>/", ComplaintDetailView.as_view(), name="complaint-detail"),
    path("<str:complaint_id>/comments/", CommentView.as_view(), name="complaint-comments"),
    path("<str:complaint_id>/support/", SupportView.as_view(), name="complaint-support"),
    path("<str:complaint_id>/transition/", TransitionView.as_view(), name="complaint-transition"),
    path("<str:complaint_id>/rating/", RatingView.as_view(), name="complaint-rating"),
    path("<str:complaint_id>/reopen/", ReopenView.as_view(), name="complaint-reopen"),
]
