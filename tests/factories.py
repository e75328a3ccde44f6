"""factory_boy factories for the domain. Tests build data with these, services do writes."""

import factory
from django.contrib.auth import get_user_model

from dashboards.models import Dashboard, Project, ProjectMembership, UserDashboard, Widget

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Project {n}")
    owner = factory.SubFactory(UserFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectMembership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = "viewer"


class DashboardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dashboard

    owner = factory.SubFactory(UserFactory)
    project = factory.SubFactory(ProjectFactory, owner=factory.SelfAttribute("..owner"))
    name = factory.Sequence(lambda n: f"Dashboard {n}")
    type = "custom"
    scope = "user"


class WidgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Widget

    dashboard = factory.SubFactory(DashboardFactory)
    key = factory.Sequence(lambda n: f"widget_{n}")
    type = "text"
    title = factory.Sequence(lambda n: f"Widget {n}")
    size = "medium"
    position = factory.Sequence(lambda n: n)
    config = factory.LazyFunction(lambda: {"markdown": "Hello"})

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Leave the dashboard as services.dashboard_save would: its stored widget count.
        widget = super()._create(model_class, *args, **kwargs)
        dashboard = widget.dashboard
        dashboard.widget_count = dashboard.widgets.count()
        dashboard.save(update_fields=["widget_count"])
        return widget


class UserDashboardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserDashboard

    user = factory.SubFactory(UserFactory)
    dashboard = factory.SubFactory(DashboardFactory)
