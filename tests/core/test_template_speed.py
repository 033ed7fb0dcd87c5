"""Templates translate and build links through cheaper paths (core/i18n.py, core/fast.py: issue
17): the same text, escaping and links as Jinja's own i18n wrappers and Flask's url_for."""

from flask import render_template_string, url_for

from diaspora.core.i18n import in_locale


def test_template_translations_escape_fill_in_and_follow_the_locale(app):
    with app.test_request_context("/"):
        page = render_template_string(
            "{{ _('Log in') }}|{{ _('sent by %(name)s', name='<b>Ama</b>') }}|"
            "{{ ngettext('%(num)s member found', '%(num)s members found', 3) }}|"
            "{% trans name='<i>' %}sent by {{ name }}{% endtrans %}")
        assert page == "Log in|sent by &lt;b&gt;Ama&lt;/b&gt;|3 members found|sent by &lt;i&gt;"
        with in_locale("fr"):
            french = render_template_string("{{ _('Log in') }}|{{ _('sent by %(name)s', name='Ama') }}")
        assert french == "Se connecter|envoyée par Ama"
        assert render_template_string("{{ _('Log in') }}") == "Log in"  # the English text kept apart


def test_text_templates_are_not_escaped(app):
    with app.test_request_context("/"):
        template = app.jinja_env.from_string("{% autoescape false %}{{ _('sent by %(name)s', name='<b>') }}"
                                             "{{ _('Log in') }}{% endautoescape %}")
        assert template.render() == "sent by <b>Log in"


def test_template_links_are_flask_s_own_wherever_the_site_is_mounted(app):
    template = ("{{ url_for('static', filename='css/site.css') }} {{ url_for('core.home') }} "
                "{{ url_for('core.home', _external=True) }} {{ url_for('core.home', page=2) }} "
                "{{ url_for('core.home', flag=True) }}")
    for root in ("/one", "/two", "/one", ""):
        with app.test_request_context("/", base_url=f"http://{app.config['SERVER_NAME']}{root}"):
            expected = " ".join([url_for("static", filename="css/site.css"), url_for("core.home"),
                                 url_for("core.home", _external=True), url_for("core.home", page=2),
                                 url_for("core.home", flag=True)])
            assert render_template_string(template) == expected
            assert f"{root}/static/css/site.css " in expected and "flag=True" in expected


def test_country_lists_are_the_same_from_the_kept_options(app):
    from flask_wtf import FlaskForm

    from diaspora.core.forms import CountryField

    class Form(FlaskForm):
        class Meta:
            csrf = False

        country = CountryField("Country", blank="Any country")
        other = CountryField("Other")

    with app.test_request_context("/?country=GH"):
        from flask import request

        first, again = Form(request.args), Form(request.args)
        rendered = str(first.country())
        assert rendered == str(again.country()) and '<option selected value="GH">Ghana</option>' in rendered
        assert '<option value="">Any country</option>' in rendered
        assert 'value="">Choose a country</option>' in str(first.other())  # its own blank
        again.country.choices = [("", "None"), ("GH", "Ghana")]  # changed after the form was made
        assert str(again.country()).count("<option") == 2
        with in_locale("fr"):
            assert "Allemagne" in str(Form(request.args).country())
