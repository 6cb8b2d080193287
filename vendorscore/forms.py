"""Forms of the vendors app."""

from django import forms

from vendorscore.models import Vendor
from vendorscore.services import VENDOR_FIELDS


class VendorForm(forms.ModelForm):
    """Create and edit a vendor; the model's own validation (unique name) runs in ``is_valid``."""

    website = forms.URLField(required=False, assume_scheme="https", help_text="The vendor's public website.")

    class Meta:
        model = Vendor
        fields = VENDOR_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter the vendor's name.")
        return name
