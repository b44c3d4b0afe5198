"""Request and response bodies shared by the auth and user routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from app.cloud.server.models import User
from app.cloud.server.text import storable_text
from app.storage.passwords import MAX_LENGTH

#: bcrypt is only ever given a 44-byte pre-hash, but a megabyte "password" would
#: still cost the NFKC/HMAC step: refuse beyond the policy's maximum (x4 for UTF-8).
Password = Field(min_length=1, max_length=MAX_LENGTH)


class Body(BaseModel):
    """Bodies refuse unknown fields' types but ignore unknown fields (the seed's clients)."""

    model_config = ConfigDict(str_strip_whitespace=False)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: object) -> object:
        # Every text field of every body, present and future: a NUL reaching
        # PostgreSQL is a 500 (schemathesis found one in forgot-password's email).
        return storable_text(value) if isinstance(value, str) else value


class RegisterBody(Body):
    """``POST /auth/register``."""

    email: EmailStr = Field(max_length=255)
    password: str = Password
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    company: str = Field(default="", max_length=200)


class LoginBody(Body):
    """``POST /auth/login``."""

    email: str = Field(min_length=1, max_length=255)
    password: str = Password
    remember: bool = False


class RefreshBody(Body):
    """``POST /auth/refresh``."""

    refresh_token: str = Field(min_length=1, max_length=200)


class EmailBody(Body):
    """``POST /auth/forgot-password`` and ``/auth/resend-verification``."""

    email: str = Field(min_length=1, max_length=255)


class TokenBody(Body):
    """``POST /auth/verify-email``."""

    token: str = Field(min_length=1, max_length=200)


class ResetBody(Body):
    """``POST /auth/reset-password``."""

    token: str = Field(min_length=1, max_length=200)
    new_password: str = Password


class ChangePasswordBody(Body):
    """``POST /user/change-password``."""

    current_password: str = Password
    new_password: str = Password


class DeleteAccountBody(Body):
    """``DELETE /user/account``."""

    password: str = Password


class ProfileBody(Body):
    """``PUT /user/profile``: only the fields given change."""

    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    company: str | None = Field(default=None, max_length=200)


class UserOut(BaseModel):
    """``user`` in every answer that carries one."""

    id: str
    email: str
    first_name: str
    last_name: str
    company: str
    email_verified: bool
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        """The public view of ``user``."""
        return cls(id=user.id, email=user.email, first_name=user.first_name,
                   last_name=user.last_name, company=user.company,
                   email_verified=user.email_verified, last_login_at=user.last_login_at,
                   created_at=user.created_at, updated_at=user.updated_at)


class TokensOut(BaseModel):
    """``POST /auth/refresh``."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"


class AuthOut(TokensOut):
    """``POST /auth/register`` and ``/auth/login``."""

    user: UserOut
    session_id: str
    remember_me: bool


class MessageOut(BaseModel):
    """A plain acknowledgement."""

    success: bool = True
    message: str


class SessionOut(BaseModel):
    """One entry of ``GET /user/sessions``."""

    id: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    ip_address: str
    user_agent: str
    remember_me: bool
    current: bool


class SessionsOut(BaseModel):
    """``GET /user/sessions``."""

    sessions: list[SessionOut]


class RevokedOut(BaseModel):
    """``DELETE /user/sessions``."""

    revoked: int
