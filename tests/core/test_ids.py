"""Ids from people go through one gate (core/ids.py) and one family of form fields."""

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, IntegerField, SelectFieldBase
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired

from diaspora.core.forms import HiddenIdField, IdField, IdsField, WholeNumberField, _IdChoice
from diaspora.core.ids import MAX_ID, parse_id


@pytest.mark.parametrize("text", ["1", " 42 ", str(MAX_ID)])
def test_an_id_a_database_can_hold_is_read(text):
    assert parse_id(text) == int(text)


@pytest.mark.parametrize("text", [None, "", "0", "-1", str(MAX_ID + 1), str(2**63), "1e3", "٣", "３", "12a", "1.0"])
def test_anything_else_names_no_record(text):
    assert parse_id(text) is None


ID_FIELDS = (_IdChoice, IdsField, HiddenIdField)


def _form_classes(cls=FlaskForm):
    for sub in cls.__subclasses__():
        yield sub
        yield from _form_classes(sub)


def _fields(form_class):
    for name in dir(form_class):
        value = getattr(form_class, name, None)
        if isinstance(value, UnboundField):
            yield name, value


def _carries_an_id(name: str, unbound: UnboundField) -> bool:
    field_class = unbound.field_class
    if issubclass(field_class, ID_FIELDS):
        return True
    if issubclass(field_class, IntegerField) and not issubclass(field_class, WholeNumberField):
        return True
    if issubclass(field_class, SelectFieldBase) and unbound.kwargs.get("coerce") is int:
        return True
    if name == "version":
        return False  # a record's version, checked by core.domain.check_version
    return name.endswith(("_id", "_ids")) or name == "ids" or (
        issubclass(field_class, HiddenField) and name.endswith("id"))


def test_every_form_field_that_carries_an_id_checks_its_range(app):
    """A field that takes an id (a select coerced to int, a field named ..._id) must be one of
    core.forms' id fields; a new form that takes ids another way fails here."""
    carrying = {f"{form_class.__module__}.{form_class.__qualname__}.{name}": unbound.field_class
                for form_class in set(_form_classes()) if form_class.__module__.startswith("diaspora")
                for name, unbound in _fields(form_class) if _carries_an_id(name, unbound)}
    assert len(carrying) >= 10  # the check sees the app's forms
    assert [name for name, field_class in carrying.items() if not issubclass(field_class, ID_FIELDS)] == []


def test_the_check_sees_a_form_that_takes_an_id_the_old_way(app):
    from wtforms import SelectField

    class Hurried(FlaskForm):
        partner_id = SelectField("Partner", coerce=int, validate_choice=False)

    offenders = [name for name, unbound in _fields(Hurried)
                 if _carries_an_id(name, unbound) and not issubclass(unbound.field_class, ID_FIELDS)]
    assert offenders == ["partner_id"]


class _Chosen(FlaskForm):
    class Meta:
        csrf = False

    thing_id = IdField("Thing", validators=[DataRequired("Choose a thing.")], not_an_id="Choose a thing from the list.")
    thing_ids = IdsField("Things", not_an_id="Tick things from the list.")


@pytest.mark.parametrize("sent", ["2147483648", "9223372036854775808", "-1", "0", "٣", "x"])
def test_an_out_of_range_id_is_refused_beside_its_field_once(app, sent):
    with app.test_request_context(method="POST"):
        form = _Chosen(formdata=MultiDict({"thing_id": sent, "thing_ids": ["3", sent]}))
        assert not form.validate()
        assert form.thing_id.errors == ["Choose a thing from the list."]
        assert form.thing_ids.errors == ["Tick things from the list."]
        assert form.thing_id.data is None and form.thing_ids.data == [3]


def test_a_good_id_is_an_int_and_nothing_chosen_is_none(app):
    with app.test_request_context(method="POST"):
        form = _Chosen(formdata=MultiDict({"thing_id": " 7 ", "thing_ids": ["3", "4"]}))
        assert form.validate() and form.thing_id.data == 7 and form.thing_ids.data == [3, 4]
        empty = _Chosen(formdata=MultiDict({"thing_id": ""}))
        assert not empty.validate() and empty.thing_id.errors == ["Choose a thing."]


def test_a_licence_form_with_a_regulator_id_out_of_range_comes_back_with_the_message(client, forms, login, db):
    """On PostgreSQL this answered 500 (integer out of range) before the id field."""
    from tests.factories import UserFactory
    from tests.licensure.samples import a_regulator

    member = UserFactory()
    a_regulator()
    db.session.commit()
    login(member)
    response = forms.submit("/licences/new", {"regulator_id": "2147483648", "registration_number": "NMC/RGN/777",
                                              "category": "full"}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose the regulator from the list." in page and "NMC/RGN/777" in page
