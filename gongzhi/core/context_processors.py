from .scoping import is_staff_user, roles_of


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_staff_user": False, "user_roles": set()}
    return {"is_staff_user": is_staff_user(user), "user_roles": roles_of(user)}
