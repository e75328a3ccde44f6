from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The project's user: integer ids, as the sources show (`"userId": 123`).

    A custom model from the first migration so that fields can be added later without
    the painful swap Django documents for projects that start with auth.User.
    """

    class Meta:
        db_table = "users_user"
        ordering = ["id"]
